// The page: a React component talking to Rust through greeting.ts and the generated bindings.
import { type FormEvent, useEffect, useState } from "react";
import { count, greeting, selfCheck } from "./greeting";

export function App() {
  const [name, setName] = useState("");
  const [reply, setReply] = useState("");
  const [counter, setCounter] = useState(0);

  useEffect(() => {
    selfCheck(setReply, document.title).catch((e: unknown) => setReply(String(e)));
  }, []);

  const greet = (event: FormEvent) => {
    event.preventDefault();
    greeting(name).then(setReply, (e: unknown) => setReply(String(e)));
  };

  return (
    <main>
      <h1>{document.title}</h1>
      <form onSubmit={greet}>
        <input id="name" autoComplete="off" placeholder="Your name" value={name} onChange={(e) => setName(e.target.value)} />
        <button id="greet" type="submit">
          Greet
        </button>
      </form>
      <p id="reply" className="reply" aria-live="polite">
        {reply}
      </p>
      <p className="row">
        <button id="count" type="button" onClick={() => count().then(setCounter, (e: unknown) => setReply(String(e)))}>
          Count
        </button>
        <span id="counter">{counter}</span>
      </p>
    </main>
  );
}
