//! The `noaber` command.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = noaber_node::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("noaber: kan niet starten: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut io = noaber_node::cli::Terminal::default();
    match runtime.block_on(noaber_node::cli::run(cli, &mut io)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("noaber: {e}");
            ExitCode::FAILURE
        }
    }
}
