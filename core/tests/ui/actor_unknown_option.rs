#[derive(Clone)]
struct Files;

#[switchboard::actor]
impl Files {
    #[switchboard(blockng)]
    fn write(&mut self) {}
}

fn main() {}
