//! `rdsplan completions SHELL`: a shell completion script.

use super::Cli;
use clap::CommandFactory;

pub fn print(shell: clap_complete::Shell) -> i32 {
    // Into memory first: clap_complete panics on a failed write.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "rdsplan", &mut script);
    let mut out = std::io::stdout();
    match std::io::Write::write_all(&mut out, &script)
        .and_then(|()| std::io::Write::flush(&mut out))
    {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 1,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            1
        }
    }
}
