// Tests read JSON bodies of many shapes; typing them as `any` here keeps assertions readable.
declare global {
  interface Response {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): Promise<any>;
  }
}
export {};
