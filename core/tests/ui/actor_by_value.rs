#[derive(Clone)]
struct Counter;

#[switchboard::actor]
impl Counter {
    fn consume(self) -> u32 {
        1
    }
}

fn main() {}
