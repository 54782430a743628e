// Tests run images through the library's chroot runner (src/engine/chroot.ts), as `nixlab run` does.
export * from '../../src/engine/chroot.js';
