/** Where `spendwatch actions serve` answers action links unless told otherwise (a module of its own: --help reads it). */
export const LOCAL_ACTIONS_PORT = 8787;
