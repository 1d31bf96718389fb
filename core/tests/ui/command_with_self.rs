struct S;

impl S {
    #[switchboard::command]
    fn method(&self) -> u32 {
        1
    }
}

fn main() {}
