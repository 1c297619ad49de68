use clap::Parser;

// An allocator made for many small, short-lived allocations: reading and checking thousands
// of resources is mostly that (validate of 3,000 instances spends a quarter of its time in
// the system allocator).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    quiet_on_closed_output();
    // Usage errors exit 1, as every other error does (2 means "changes" for
    // `plan --detailed-exitcode` and "drift" for `drift`); --help and --version exit 0.
    let cli = match rdsplan::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let code = rdsplan::cli::run(cli).await;
    std::process::exit(code);
}

/// Output that cannot be written (a closed pipe, as in `rdsplan output | head`, or a full disk)
/// ends the run with exit code 1 and at most one line, never a panic's report. Rust's `print!`
/// panics on a failed write; this hook turns that one panic into a quiet exit and leaves every
/// other panic to the default report.
fn quiet_on_closed_output() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if msg.starts_with("failed printing to std") {
            if !msg.contains("Broken pipe") {
                use std::io::Write;
                let why = msg.split_once(": ").map_or(msg, |(_, w)| w);
                let _ = writeln!(std::io::stderr(), "error: cannot write the output: {why}");
            }
            std::process::exit(1);
        }
        default(info);
    }));
}
