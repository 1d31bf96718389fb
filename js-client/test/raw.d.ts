// Vite's `?raw` imports (the committed IIFE in the browser test).
declare module "*?raw" {
  const text: string;
  export default text;
}
