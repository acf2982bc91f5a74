//! `mapper-emulators`: run the Miradore or MMS emulator from the command line.
#![forbid(unsafe_code)]

fn main() {
    eprintln!("usage: mapper-emulators <miradore|mms> ...");
    std::process::exit(2);
}
