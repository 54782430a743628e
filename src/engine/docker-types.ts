// The parts of the Docker Engine API's request and response bodies that nixlab uses, with the
// engine's own field names (API 1.40–1.43; see the Engine API reference). Durations are in
// nanoseconds, as the engine takes them (`msToNs`).

/** Milliseconds → the nanoseconds the engine's duration fields take. */
export function msToNs(ms: number): number {
  return Math.round(ms * 1e6);
}

/** `GET /version`. */
export interface EngineVersion {
  Version: string;
  ApiVersion: string;
  MinAPIVersion?: string;
  Os: string;
  Arch: string;
  KernelVersion?: string;
  Components?: { Name: string; Version: string; Details?: Record<string, string> }[];
}

/** `GET /info` (the fields nixlab reads). */
export interface EngineInfo {
  ServerVersion: string;
  Driver: string;
  /** e.g. `[["Backing Filesystem","extfs"], ["driver-type","io.containerd.snapshotter.v1"]]`. */
  DriverStatus: [string, string][] | null;
  CgroupDriver: string;
  CgroupVersion?: string;
  DockerRootDir: string;
  Images: number;
  Containers: number;
  OperatingSystem: string;
  KernelVersion: string;
  [key: string]: unknown;
}

/**
 * The run configuration of an image: `Config` of `GET /images/{name}/json`, and `config` of the
 * image config blob of a docker-archive or OCI image (the OCI spec uses Docker's names). The one
 * type every part of the engine reads an image's config as (the chroot runner, `nixlab test`,
 * the deployment targets).
 */
export interface ImageConfig {
  User?: string;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  ExposedPorts?: Record<string, object> | null;
  Volumes?: Record<string, object> | null;
  Healthcheck?: HealthConfig;
  StopSignal?: string;
}

/** `GET /images/{name}/json`. */
export interface ImageInspect {
  /** `sha256:` + the digest of the image config. */
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: string;
  Architecture: string;
  Os: string;
  Size: number;
  Config: ImageConfig;
  /** `Layers` are the layers' diff_ids (digests of the uncompressed layer tars), bottom first. */
  RootFS: { Type: string; Layers?: string[] };
}

/** One entry of `GET /images/json`. */
export interface ImageSummary {
  Id: string;
  RepoTags: string[] | null;
  RepoDigests: string[] | null;
  Created: number;
  Size: number;
  Labels: Record<string, string> | null;
}

/** One entry of `DELETE /images/{name}`. */
export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

/** A health check (`Healthcheck`): overrides the image's when given at create. */
export interface HealthConfig {
  /** `["NONE"]`, `["CMD", arg…]` or `["CMD-SHELL", command]`. */
  Test?: string[];
  /** Nanoseconds between checks. */
  Interval?: number;
  /** Nanoseconds a check may take. */
  Timeout?: number;
  Retries?: number;
  /** Nanoseconds after start during which failures don't count. */
  StartPeriod?: number;
}

/** A mount in `HostConfig.Mounts`. */
export interface MountSpec {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind) or volume name (volume); absent for tmpfs. */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** A host port for a container port (`HostConfig.PortBindings["8888/tcp"]`). */
export interface PortBinding {
  HostIp?: string;
  HostPort: string;
}

/** `HostConfig` of a container create. */
export interface HostConfig {
  /** `host:container[:ro]`. */
  Binds?: string[];
  /** Container path → mount options (`size=64m,mode=1777`). */
  Tmpfs?: Record<string, string>;
  ReadonlyRootfs?: boolean;
  /** `host`, `none`, or a network's name. */
  NetworkMode?: string;
  PortBindings?: Record<string, PortBinding[]>;
  Mounts?: MountSpec[];
  AutoRemove?: boolean;
  Init?: boolean;
  CapDrop?: string[];
  SecurityOpt?: string[];
  Memory?: number;
  PidsLimit?: number;
  RestartPolicy?: { Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure'; MaximumRetryCount?: number };
}

/** An endpoint of a container on a network (create's `NetworkingConfig`, network connect). */
export interface EndpointSettings {
  Aliases?: string[];
}

/** The body of `POST /containers/create`. */
export interface ContainerCreateSpec {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  /** `KEY=value`. */
  Env?: string[];
  /** `uid[:gid]` or a user name in the image. */
  User?: string;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  Healthcheck?: HealthConfig;
  Tty?: boolean;
  StopSignal?: string;
  /** Seconds `stop` waits before SIGKILL when it is given no timeout. */
  StopTimeout?: number;
  HostConfig?: HostConfig;
  NetworkingConfig?: { EndpointsConfig: Record<string, EndpointSettings> };
}

/** One entry of `State.Health.Log`. */
export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** `State` of `GET /containers/{id}/json`. */
export interface ContainerState {
  Status: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: { Status: 'none' | 'starting' | 'healthy' | 'unhealthy'; FailingStreak: number; Log: HealthLogEntry[] | null };
}

/** `GET /containers/{id}/json` (the fields nixlab reads). */
export interface ContainerInspect {
  Id: string;
  /** `/name`. */
  Name: string;
  Image: string;
  RestartCount: number;
  State: ContainerState;
  Config: ContainerCreateSpec & { Tty: boolean };
  HostConfig: HostConfig;
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  NetworkSettings: {
    Ports: Record<string, PortBinding[] | null> | null;
    Networks: Record<string, { NetworkID: string; IPAddress: string; Aliases: string[] | null }>;
  };
}

/** One entry of `GET /containers/json`. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
  Labels: Record<string, string>;
}

/** `POST /containers/{id}/wait`. */
export interface WaitResult {
  StatusCode: number;
  Error?: { Message: string } | null;
}

/** `POST /volumes/create` and the entries of `GET /volumes`. */
export interface VolumeInfo {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Labels: Record<string, string> | null;
  Scope: string;
}

/** The body of `POST /volumes/create`. */
export interface VolumeCreateSpec {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** The body of `POST /networks/create`. */
export interface NetworkCreateSpec {
  Name: string;
  /** `bridge` (default), `macvlan`, … */
  Driver?: string;
  /** No route out of the network (no gateway). */
  Internal?: boolean;
  Attachable?: boolean;
  Labels?: Record<string, string>;
  Options?: Record<string, string>;
  CheckDuplicate?: boolean;
}

/** `GET /networks/{id}` and the entries of `GET /networks`. */
export interface NetworkInfo {
  Id: string;
  Name: string;
  Driver: string;
  Internal: boolean;
  Labels: Record<string, string> | null;
  Containers?: Record<string, { Name: string; IPv4Address: string }> | null;
}

/** Filters of the list calls: `{ label: ['a=b'], reference: ['name:*'] }`. */
export type Filters = Record<string, string[]>;
