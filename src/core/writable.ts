/**
 * T with its readonly dropped: for a value built field by field, its optional keys in their
 * place. On Node 20's V8, a key added after a spread (`{ ...base, key }`, `{ a, ...(x ? {} : { b }), c }`)
 * makes a new hidden class every time — 0.7–2 µs an object, where a literal or a field added to a
 * literal's object reuses its transition (issue 13: 1.3 % of serve's SIP thread in one such place).
 */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };
