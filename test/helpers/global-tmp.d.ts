export function setup(): void;
export function teardown(): void;
