#[derive(Clone)]
struct Plain;

fn main() {
    let _ = switchboard::App::builder().actor("plain", Plain);
}
