fn main() {
    std::process::exit(klpctl::main_with_args(std::env::args_os()));
}
