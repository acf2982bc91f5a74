//! CLI: `mapper validate`, step 1 of the run alone: load and compile every rules file.

use super::args::{Format, ValidateArgs};
use super::{Exit, load_program, print_diagnostics};

/// Checks every file; all problems of all files are printed in one run.
pub fn run(args: &ValidateArgs) -> Exit {
    let mut exit = Exit::Success;
    for path in &args.rules {
        match load_program(path) {
            Ok(program) => {
                print_diagnostics(&program.warnings, args.format);
                if args.format == Format::Text {
                    match program.warnings.len() {
                        0 => eprintln!("{}: valid", path.display()),
                        1 => eprintln!("{}: valid, 1 warning", path.display()),
                        count => eprintln!("{}: valid, {count} warnings", path.display()),
                    }
                }
                if args.show_queries {
                    let query = &program.query;
                    println!("device query: rows={} select={}", query.page_size, query.select.join(","));
                    if let Some(software) = &query.software {
                        println!("software query: rows={} select={}", software.page_size, software.select.join(","));
                    }
                }
            }
            Err(diagnostics) => {
                print_diagnostics(&diagnostics, args.format);
                if args.format == Format::Text {
                    eprintln!(
                        "{}: {} problem{}",
                        path.display(),
                        diagnostics.len(),
                        if diagnostics.len() == 1 { "" } else { "s" }
                    );
                }
                exit = Exit::InvalidInput;
            }
        }
    }
    exit
}
