struct Opaque;

#[switchboard::command]
fn gives() -> Opaque {
    Opaque
}

fn main() {}
