/**
 * T with its readonly dropped: for a value built field by field from a typed literal, its
 * optional keys in their place. On Node 20's V8 a key after a spread goes through the runtime:
 * onto an object born of a spread (`{ ...base, key }`, two conditional spreads) it makes a new
 * hidden class every time (~1 µs and 30–60 bytes of old space an object, micro), after a literal's
 * own keys it is slower only (`{ a, ...(x ? {} : { b }), c }`: 157 ns against 11). Data only: a
 * closure added this way to `{}` made serve promote far more (see edge's sip-adapter).
 */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };
