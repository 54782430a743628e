// What a kernel preset declares: how nixlab builds and launches one language's kernel.

/** One option a preset takes in the config. */
export interface PresetOption {
  name: string;
  type: 'string' | 'string[]' | 'number';
  description: string;
  default?: unknown;
  /** The values the option takes, when it is a choice. */
  values?: (string | number)[];
}

/** A kernel preset: one language's kernel as nixpkgs packages it. */
export interface KernelPreset {
  /** The config's `kind` for this preset. */
  kind: string;
  language: string;
  description: string;
  /** Notebook file extension (language_info). */
  fileExtension: string;
  /** nixpkgs attribute paths the emitted expression uses (`python312.withPackages`). */
  nixpkgsAttributes: string[];
  /** kernel.json argv as emitted; `<env>` stands for the kernel environment's store path. */
  argv: string[];
  options: PresetOption[];
  /** The nixpkgs files this preset was checked against (paths in NixOS/nixpkgs, or `owner/repo path` upstream). */
  checkedAgainst: string[];
  /** What the pinned nixpkgs (24.11) lacks or does differently for this preset. */
  notes?: string[];
  /** Whether the offline package set builds it for real (the tests run it) or refuses clearly. */
  offline: 'real' | 'refused';
}
