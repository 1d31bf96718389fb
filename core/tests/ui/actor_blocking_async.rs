#[derive(Clone)]
struct Files;

#[switchboard::actor]
impl Files {
    #[switchboard(blocking)]
    async fn write(&mut self) {}
}

fn main() {}
