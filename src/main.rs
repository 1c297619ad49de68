use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = rdsplan::cli::Cli::parse();
    let code = rdsplan::cli::run(cli).await;
    std::process::exit(code);
}
