struct Opaque;

#[switchboard::command]
fn takes(value: Opaque) -> u32 {
    let _ = value;
    1
}

fn main() {}
