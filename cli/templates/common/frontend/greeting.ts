// What the page asks of Rust, through the bindings generated from the Rust code: change a
// command's signature in Rust, run `switchboard bindings`, and TypeScript shows what broke.
import { actors, commands, errors } from "./bindings";

/** Rust's greeting for `name`, or the reason it refused. */
export async function greeting(name: string): Promise<string> {
  try {
    return await commands.greet(name);
  } catch (e) {
    if (errors.greet(e)) return e.message; // Rust's `GreetError`, typed
    throw e;
  }
}

/** One more on the counter the Rust actor keeps. */
export function count(): Promise<number> {
  return actors.counter.add(1);
}

/**
 * With `SWITCHBOARD_SELF_CHECK=1` (see src/self_check.rs): greet, show the reply, and tell
 * Rust what the page shows.
 */
export async function selfCheck(show: (reply: string) => void, page: string): Promise<void> {
  if (!(await commands.selfCheck(null))) return;
  const reply = await greeting("Switchboard");
  show(reply);
  await commands.selfCheck(`${reply} | ${page}`);
}
