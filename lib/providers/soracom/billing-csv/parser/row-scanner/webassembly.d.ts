// The part of the WebAssembly JS API the row scanner uses. TypeScript declares it only in the DOM
// libraries, which this Node project does not load.
declare namespace WebAssembly {
  // biome-ignore lint/suspicious/noEmptyInterface: a compiled module has no members of its own; it merges with esbuild's declaration.
  interface Module {}
  var Module: { new (bytes: Uint8Array): Module };

  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  var Memory: { new (descriptor: { initial: number; maximum?: number }): Memory };

  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  var Instance: { new (module: Module, imports: Record<string, Record<string, unknown>>): Instance };
}
