#[switchboard::command(inline)]
async fn ping() -> u32 {
    1
}

fn main() {}
