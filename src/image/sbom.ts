// `nixlab sbom`: a software bill of materials of an image (or of a config, built first), as
// SPDX 2.3 JSON or CycloneDX 1.5 JSON. One package per store path in the image: name and
// version from the store path name (nixpkgs' name-version convention), the store hash as its
// identifier, the kernel group of its layer, DEPENDS_ON edges from the reference graph (when the
// paths are in the local store), and — for a config — licence and homepage from the
// derivations the config declares. Deterministic: sorted, no host paths, `created` from the
// image config (else the epoch), the document namespace from the image ID.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PkgsChoice } from '../pkgs.js';
import { offlinePkgsPath } from '../pkgs.js';
import { execTool, type RunHooks } from '../exec.js';
import { canonicalJson } from '../json.js';
import { kindOf, type NormalizedKernel } from '../kernels/index.js';
import type { NormalizedConfig } from '../definitions/types.js';
import { queryClosure } from './closure.js';
import { byteOrder } from './names.js';
import { inspectImage } from './inspect.js';
import { archiveFor } from '../pipeline/input.js';

export type SbomFormat = 'spdx' | 'cyclonedx';

export interface SbomOptions extends RunHooks {
  /** An image archive (docker-archive or OCI), or a config file or directory (built first). */
  input: string;
  format: SbomFormat;
  /** Package set when building a config (and evaluating its licences). */
  pkgs?: PkgsChoice;
}

/** One store path of the image. */
export interface SbomPackage {
  storePath: string;
  /** The store hash (the 32 characters before the first `-`). */
  hash: string;
  name: string;
  version: string | null;
  /** The group of the layer holding it (`shared`, `kernel:py`, …), or null. */
  group: string | null;
  /** Store paths it references (other than itself), sorted; empty when unknown. */
  references: string[];
  /** SPDX licence expression from meta.license, `LicenseRef-nixpkgs-…` for ids SPDX lacks; null: unknown. */
  license: string | null;
  /** nixpkgs' short names of its licences that are not free. */
  unfree: string[];
  homepage: string | null;
  /** The config's kernels that declare it. */
  kernels: string[];
}

/** An unfree licence found, by kernel. */
export interface UnfreeFinding {
  kernel: string;
  package: string;
  storePath: string;
  licenses: string[];
}

export interface SbomResult {
  format: SbomFormat;
  /** The image ID (config digest). */
  imageId: string;
  /** False when the image holds no store paths (not built by nixlab or Nix). */
  nixMetadata: boolean;
  /** True when references were read from the local store. */
  referencesKnown: boolean;
  /** True when licences were evaluated (a config input). */
  licensesEvaluated: boolean;
  packages: SbomPackage[];
  unfree: UnfreeFinding[];
  /** The SBOM document. */
  document: Record<string, unknown>;
  /** The document as written: canonical JSON, two-space indent, trailing newline. */
  text: string;
}

/** `created` when the image config has no usable one. */
export const EPOCH = '1970-01-01T00:00:00Z';

/** Splits a store path name as nixpkgs' builtins.parseDrvName does: the version starts at the first `-` followed by a digit. */
export function parseStoreName(base: string): { hash: string; name: string; version: string | null } {
  const dash = base.indexOf('-');
  const hash = dash < 0 ? base : base.slice(0, dash);
  const rest = dash < 0 ? '' : base.slice(dash + 1);
  const m = /-(?=\d)/.exec(rest);
  if (!m) return { hash, name: rest, version: null };
  return { hash, name: rest.slice(0, m.index), version: rest.slice(m.index + 1) };
}

/** Builds the SBOM; see SbomOptions. */
export async function sbom(opts: SbomOptions): Promise<SbomResult> {
  const step = opts.onStep ?? (() => undefined);
  const scratch = mkdtempSync(join(tmpdir(), 'nixlab-sbom-'));
  try {
    const { archive, config, project } = await archiveFor(opts.input, scratch, { ...opts, onStep: step });
    step('reading the image');
    const image = await inspectImage(archive, { signal: opts.signal });
    const byPath = new Map<string, string | null>();
    for (const l of image.layers) for (const p of l.storePaths) if (!byPath.has(p)) byPath.set(p, l.group);
    const paths = [...byPath.keys()].sort(byteOrder);
    const local = paths.length > 0 && paths.every((p) => existsSync(p));
    const refs = new Map<string, string[]>();
    if (local) {
      step('reading references from the local store');
      for (const n of await queryClosure(paths, { signal: opts.signal })) refs.set(n.path, n.references.filter((r) => r !== n.path && byPath.has(r)));
    }
    const meta: ClosureMeta = config ? await evaluateMeta(config, project, opts.pkgs ?? { kind: 'pinned' }, step) : { byPath: new Map(), byName: new Map() };
    const packages = paths.map((p): SbomPackage => {
      const base = p.slice(p.lastIndexOf('/') + 1);
      const parsed = parseStoreName(base);
      const m = meta.byPath.get(p) ?? meta.byName.get(base.slice(parsed.hash.length + 1));
      return {
        storePath: p,
        ...parsed,
        group: byPath.get(p) ?? null,
        references: [...(refs.get(p) ?? [])].sort(byteOrder),
        license: m?.license ?? null,
        unfree: m?.unfree ?? [],
        homepage: m?.homepage ?? null,
        kernels: m?.kernels ?? [],
      };
    });
    const unfree = packages
      .flatMap((p) => (p.unfree.length ? unfreeKernels(p, config).map((kernel) => ({ kernel, package: p.name, storePath: p.storePath, licenses: p.unfree })) : []))
      .sort((a, b) => byteOrder(a.kernel, b.kernel) || byteOrder(a.storePath, b.storePath));
    const facts: Facts = {
      imageId: image.configDigest,
      name: image.references[0] ?? 'image',
      created: createdOf(image.config.created),
      nixMetadata: paths.length > 0,
      referencesKnown: local,
      licensesEvaluated: config !== null,
      packages,
    };
    const document = opts.format === 'spdx' ? spdxDocument(facts) : cyclonedxDocument(facts);
    return { format: opts.format, imageId: facts.imageId, nixMetadata: facts.nixMetadata, referencesKnown: local, licensesEvaluated: facts.licensesEvaluated, packages, unfree, document, text: canonicalJson(document, 2) + '\n' };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Kernel for a finding outside every kernel's layers (the server, the image root). */
export const IMAGE_FINDING = '(image)';

/**
 * The kernels an unfree package is reported under: those that declare it; for a dependency, the
 * kernels of its layer's group (`kernel:A`, `kernels:A,B`; `shared` is every kernel's); else IMAGE_FINDING.
 */
function unfreeKernels(p: SbomPackage, config: NormalizedConfig | null): string[] {
  if (p.kernels.length) return p.kernels;
  const g = p.group ?? '';
  if (g.startsWith('kernel:')) return [g.slice('kernel:'.length)];
  if (g.startsWith('kernels:')) return g.slice('kernels:'.length).split(',').sort(byteOrder);
  if (g === 'shared' && config?.kernels.length) return config.kernels.map((k) => k.name).sort(byteOrder);
  return [IMAGE_FINDING];
}

/** What the package set says about one derivation of the closure. */
interface DerivationMeta {
  license: string | null;
  unfree: string[];
  homepage: string | null;
  /** The config's kernels that declare it (empty for a dependency nobody declared). */
  kernels: string[];
}

/** What evaluateMeta found: by store path (each output's outPath), and by derivation name for declared packages whose outPath cannot be computed. */
interface ClosureMeta {
  byPath: Map<string, DerivationMeta>;
  byName: Map<string, DerivationMeta>;
}

/** The nixpkgs tree expression the build used. */
async function pkgsTree(pkgs: PkgsChoice, config: NormalizedConfig): Promise<string> {
  if (pkgs.kind === 'offline') return JSON.stringify(offlinePkgsPath());
  if (pkgs.kind === 'path') return JSON.stringify(resolve(pkgs.path));
  const { resolvePin } = await import('../nix/pin.js');
  const pin = resolvePin(config.nixpkgs);
  return `(builtins.fetchTarball { url = ${JSON.stringify(pin.url)}; sha256 = ${JSON.stringify(pin.sha256)}; })`;
}

/**
 * Attributes through which a derivation names the derivations its output needs at run time,
 * followed transitively (builtins.genericClosure):
 * - propagatedBuildInputs, buildInputs: stdenv.mkDerivation's (nixpkgs' buildPythonPackage
 *   appends its dependencies to propagatedBuildInputs, mk-python-derivation.nix; R packages use
 *   both);
 * - requiredPythonModules: the transitive Python modules, as python-packages-base.nix computes
 *   them (`unique ([python] ++ modules ++ concatLists (catAttrs "requiredPythonModules" modules))`);
 * - paths: buildEnv's passthru.paths (build-support/buildenv/default.nix), so the environments
 *   python's withPackages (interpreters/python/wrapper.nix: buildEnv { paths = requiredPythonModules
 *   extraLibs ++ … }), rWrapper and nixlab.env make are walked into;
 * - linkTargets, kernelTargets: what nixlab's imageRoot (nix/lib.nix) links, so the walk starts
 *   at the image's root.
 */
export const DEPENDENCY_ATTRS = ['propagatedBuildInputs', 'buildInputs', 'requiredPythonModules', 'paths', 'linkTargets', 'kernelTargets'] as const;

/**
 * Evaluates name, meta.license and meta.homepage of every derivation of the closure that the
 * package set knows: from the generated project's imageRoot and every kernel's declared packages
 * (packageAttrs(), as `nixlab update` does), through DEPENDENCY_ATTRS, in the build's package set
 * and nixpkgs config; each keyed by its outputs' outPaths, which the image's store paths are
 * matched against. Every attribute is read under tryEval, so a refused or missing one hides
 * nothing; computing an outPath instantiates, never builds, and an unfree package that is not
 * allowed (whose outPath throws) is neither walked into nor keyed by path: as a declared package
 * it still reports its licence, by derivation name. Licence attributes as nixpkgs'
 * lib/licenses.nix defines them: spdxId (optional), shortName, free.
 */
async function evaluateMeta(config: NormalizedConfig, project: string | null, pkgs: PkgsChoice, step: (l: string) => void): Promise<ClosureMeta> {
  const byKernel = config.kernels.map((k) => ({ kernel: k.name, attrs: (kindOf(k.kind)!.packageAttrs as (k: NormalizedKernel) => string[])(k) }));
  const attrs = [...new Set(byKernel.flatMap((k) => k.attrs))].sort(byteOrder);
  step('evaluating licences');
  const lookup = (attr: string) => {
    const sel = attr.split('.').map((s) => JSON.stringify(s)).join('.');
    return `${JSON.stringify(attr)} = pkgs.${sel} or null;`;
  };
  const nixpkgsConfig = canonicalJson(config.nixpkgsConfig);
  const expr = `let
    pkgs = import ${await pkgsTree(pkgs, config)} { config = builtins.fromJSON ${JSON.stringify(nixpkgsConfig)}; overlays = [ ]; };
    project = ${project ? `import ${JSON.stringify(resolve(project))} { inherit pkgs; }` : '{ }'};
    declared = { ${attrs.map(lookup).join(' ')} };
    try = x: let r = builtins.tryEval (builtins.deepSeq x x); in if r.success then r.value else null;
    tryShallow = x: let r = builtins.tryEval x; in if r.success then r.value else null;
    asList = x: if x == null then [ ] else if builtins.isList x then x else [ x ];
    flatten = x: let v = tryShallow x; in if builtins.isList v then builtins.concatMap flatten v else [ v ];
    isDrv = x: let r = builtins.tryEval (builtins.isAttrs x && (x.type or null) == "derivation"); in r.success && r.value;
    lic = l: if builtins.isAttrs l then { spdxId = l.spdxId or null; shortName = l.shortName or null; free = l.free or true; } else { spdxId = null; shortName = toString l; free = true; };
    info = p: try (if !(isDrv p) then null else {
      name = p.name or null;
      homepage = let h = asList (p.meta.homepage or null); in if h == [ ] then null else builtins.head h;
      licenses = map lic (asList (p.meta.license or null));
    });
    outPathOf = p: try p.outPath;
    outPaths = p: builtins.filter (o: o != null) (map (o: try p.\${o}.outPath) (let os = try (p.outputs or [ "out" ]); in if builtins.isList os then os else [ "out" ]));
    deps = p: builtins.filter (d: isDrv d && outPathOf d != null) (flatten (map (a: let v = tryShallow (p.\${a} or [ ]); in asList v) ${`[ ${DEPENDENCY_ATTRS.map((a) => JSON.stringify(a)).join(' ')} ]`}));
    node = p: { key = outPathOf p; inherit p; };
    roots = builtins.filter (p: isDrv p && outPathOf p != null) ([ (project.imageRoot or null) ] ++ builtins.attrValues declared);
    closure = builtins.genericClosure { startSet = map node roots; operator = n: map node (deps n.p); };
  in {
    closure = builtins.filter (x: x.info != null) (map (n: { outPaths = outPaths n.p; info = info n.p; }) closure);
    declared = builtins.mapAttrs (_: p: { outPaths = if isDrv p && outPathOf p != null then outPaths p else [ ]; info = info p; }) declared;
  }`;
  const out = await execTool('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { what: "evaluating the licences of the image's packages" });
  type Lic = { spdxId: string | null; shortName: string | null; free: boolean };
  type Info = { name: string | null; homepage: string | null; licenses: Lic[] } | null;
  type Node = { outPaths: string[]; info: Info };
  const data = JSON.parse(out) as { closure: Node[]; declared: Record<string, Node> };
  const metaOf = (d: NonNullable<Info>): DerivationMeta => {
    const ids = d.licenses.map((l) => (l.spdxId ? l.spdxId : `LicenseRef-nixpkgs-${(l.shortName ?? 'unknown').replace(/[^A-Za-z0-9.-]/g, '-')}`));
    return {
      license: ids.length ? [...new Set(ids)].join(' AND ') : null,
      unfree: [...new Set(d.licenses.filter((l) => !l.free).map((l) => l.shortName ?? l.spdxId ?? 'unknown'))].sort(byteOrder),
      homepage: d.homepage && /^https?:\/\//.test(d.homepage) ? d.homepage : null,
      kernels: [],
    };
  };
  const result: ClosureMeta = { byPath: new Map(), byName: new Map() };
  for (const n of data.closure) {
    const m = metaOf(n.info!);
    for (const p of n.outPaths) if (!result.byPath.has(p)) result.byPath.set(p, m);
  }
  for (const { kernel, attrs: own } of byKernel) {
    for (const attr of own) {
      const d = data.declared[attr];
      if (!d?.info?.name) continue;
      const targets: DerivationMeta[] = [];
      for (const p of d.outPaths) {
        let m = result.byPath.get(p);
        if (!m) result.byPath.set(p, (m = metaOf(d.info)));
        targets.push(m);
      }
      if (!d.outPaths.length) {
        let m = result.byName.get(d.info.name);
        if (!m) result.byName.set(d.info.name, (m = metaOf(d.info)));
        targets.push(m);
      }
      for (const m of targets) if (!m.kernels.includes(kernel)) m.kernels.push(kernel);
    }
  }
  for (const m of [...result.byPath.values(), ...result.byName.values()]) m.kernels.sort(byteOrder);
  return result;
}

/** An RFC 3339 UTC time without fractions (what SPDX `created` allows), or the epoch. */
function createdOf(value: unknown): string {
  if (typeof value !== 'string') return EPOCH;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return EPOCH;
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** What both formats are written from. */
interface Facts {
  imageId: string;
  name: string;
  created: string;
  nixMetadata: boolean;
  referencesKnown: boolean;
  licensesEvaluated: boolean;
  packages: SbomPackage[];
}

/** pkg:nix/NAME@VERSION?hash=HASH (purl-spec: name and version percent-encoded). */
function purlOf(p: SbomPackage): string {
  return `pkg:nix/${encodeURIComponent(p.name || p.hash)}${p.version ? `@${encodeURIComponent(p.version)}` : ''}?hash=${p.hash}`;
}

const hexOf = (digest: string) => digest.replace(/^sha256:/, '');

function notes(f: Facts): string[] {
  const out: string[] = [];
  if (!f.nixMetadata) out.push('The image holds no /nix/store paths: it lacks Nix metadata (not built by nixlab or Nix), so its contents are not listed.');
  else {
    if (!f.referencesKnown) out.push('References are not listed: the store paths are not in the local Nix store.');
    if (!f.licensesEvaluated) out.push('Licences and homepages are NOASSERTION: give the config (nixlab sbom CONFIG) to evaluate them.');
  }
  return out;
}

/** SPDX 2.3 JSON (spdx-spec v2.3, schemas/spdx-schema.json). */
function spdxDocument(f: Facts): Record<string, unknown> {
  const id = (p: SbomPackage) => `SPDXRef-nix-${p.hash}`;
  const refs = new Set<string>();
  const packages: Record<string, unknown>[] = [
    {
      SPDXID: 'SPDXRef-image',
      name: f.name,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      primaryPackagePurpose: 'CONTAINER',
      checksums: [{ algorithm: 'SHA256', checksumValue: hexOf(f.imageId) }],
      comment: f.nixMetadata ? `container image ${f.imageId}` : `container image ${f.imageId}; no Nix metadata`,
    },
  ];
  for (const p of f.packages) {
    for (const r of (p.license ?? '').split(' AND ')) if (r.startsWith('LicenseRef-')) refs.add(r);
    packages.push({
      SPDXID: id(p),
      name: p.name || p.hash,
      ...(p.version ? { versionInfo: p.version } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: p.license ?? 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      ...(p.homepage ? { homepage: p.homepage } : {}),
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purlOf(p) }],
      comment: [`store path ${p.storePath}`, ...(p.group ? [`nixlab group: ${p.group}`] : []), ...(p.kernels.length ? [`declared by kernels: ${p.kernels.join(', ')}`] : []), ...(p.unfree.length ? [`unfree: ${p.unfree.join(', ')}`] : [])].join('; '),
    });
  }
  const known = new Set(f.packages.map((p) => p.storePath));
  const relationships: Record<string, unknown>[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: 'SPDXRef-image' }];
  for (const p of f.packages) relationships.push({ spdxElementId: 'SPDXRef-image', relationshipType: 'CONTAINS', relatedSpdxElement: id(p) });
  for (const p of f.packages) for (const r of p.references) if (known.has(r)) relationships.push({ spdxElementId: id(p), relationshipType: 'DEPENDS_ON', relatedSpdxElement: `SPDXRef-nix-${parseStoreName(r.slice(r.lastIndexOf('/') + 1)).hash}` });
  const comment = notes(f).join(' ');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: `nixlab sbom of ${f.name}`,
    documentNamespace: `https://nixlab.invalid/sbom/${hexOf(f.imageId)}`,
    creationInfo: { created: f.created, creators: ['Tool: nixlab'] },
    ...(comment ? { comment } : {}),
    packages,
    relationships,
    ...(refs.size
      ? {
          hasExtractedLicensingInfos: [...refs].sort(byteOrder).map((r) => ({
            licenseId: r,
            name: r.replace(/^LicenseRef-nixpkgs-/, ''),
            extractedText: `nixpkgs licence ${r.replace(/^LicenseRef-nixpkgs-/, '')} (lib/licenses.nix), which has no SPDX identifier`,
          })),
        }
      : {}),
  };
}

/** A UUID (version 5 layout) from the image ID, for CycloneDX's serialNumber. */
function uuidOf(digest: string): string {
  const h = hexOf(digest).padEnd(32, '0');
  const v = `${h.slice(0, 12)}5${h.slice(13, 16)}${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 32)}`;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}`;
}

/** CycloneDX 1.5 JSON (bom-1.5.schema.json). */
function cyclonedxDocument(f: Facts): Record<string, unknown> {
  const ref = (path: string) => parseStoreName(path.slice(path.lastIndexOf('/') + 1)).hash;
  const known = new Set(f.packages.map((p) => p.storePath));
  const properties = notes(f).map((value) => ({ name: 'nixlab:note', value }));
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidOf(f.imageId)}`,
    version: 1,
    metadata: {
      timestamp: f.created,
      tools: { components: [{ type: 'application', name: 'nixlab' }] },
      component: { type: 'container', 'bom-ref': 'image', name: f.name, hashes: [{ alg: 'SHA-256', content: hexOf(f.imageId) }] },
      properties: [{ name: 'nixlab:nix-metadata', value: String(f.nixMetadata) }, ...properties],
    },
    components: f.packages.map((p) => ({
      type: 'library',
      'bom-ref': p.hash,
      name: p.name || p.hash,
      ...(p.version ? { version: p.version } : {}),
      purl: purlOf(p),
      ...(p.license ? { licenses: p.license.includes(' ') ? [{ expression: p.license }] : [p.license.startsWith('LicenseRef-') ? { license: { name: p.license.replace(/^LicenseRef-nixpkgs-/, '') } } : { license: { id: p.license } }] } : {}),
      ...(p.homepage ? { externalReferences: [{ type: 'website', url: p.homepage }] } : {}),
      properties: [
        { name: 'nixlab:store-path', value: p.storePath },
        ...(p.group ? [{ name: 'nixlab:group', value: p.group }] : []),
        ...p.kernels.map((k) => ({ name: 'nixlab:kernel', value: k })),
        ...p.unfree.map((u) => ({ name: 'nixlab:unfree', value: u })),
      ],
    })),
    dependencies: [
      { ref: 'image', dependsOn: f.packages.map((p) => p.hash) },
      ...f.packages.map((p) => ({ ref: p.hash, dependsOn: p.references.filter((r) => known.has(r)).map(ref) })),
    ],
  };
}
