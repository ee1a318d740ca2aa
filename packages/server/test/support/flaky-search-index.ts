import type { SearchDocument, SearchIndex, SearchQuery } from "../../src/ports.ts";

/** Wraps a real index; while `down`, every call fails the way an unreachable engine would. */
export class FlakySearchIndex implements SearchIndex {
  readonly name = "search";
  down = false;
  readonly #inner: SearchIndex;

  constructor(inner: SearchIndex) {
    this.#inner = inner;
  }

  #check(): void {
    if (this.down) throw new Error("search engine unreachable (test)");
  }

  async ping() {
    this.#check();
    return this.#inner.ping();
  }
  async index(document: SearchDocument) {
    this.#check();
    return this.#inner.index(document);
  }
  async indexMany(documents: SearchDocument[]) {
    this.#check();
    return this.#inner.indexMany(documents);
  }
  async remove(id: number) {
    this.#check();
    return this.#inner.remove(id);
  }
  async search(query: SearchQuery) {
    this.#check();
    return this.#inner.search(query);
  }
  async similar(id: number, limit: number) {
    this.#check();
    return this.#inner.similar(id, limit);
  }
  async clear() {
    this.#check();
    return this.#inner.clear();
  }
}
