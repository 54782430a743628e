// The image library: closure → layers → docker-archive / OCI image, and reading images back.
export { packImage, packOptionsFromSettings, findInClosure, type PackImageOptions, type PackResult, type PackedLayer, type PackProgress, type ImageFormat } from './pack.js';
export { inspectImage, type InspectResult, type InspectedLayer } from './inspect.js';
export { queryClosure, resolveStorePaths, type ClosureNode } from './closure.js';
export { planLayers, popularity, popularityPlanner, findRoots, DEFAULT_MAX_LAYERS, MAX_LAYERS_LIMIT, type LayerPlanner, type LayerPlan, type PlannerInput } from './layers.js';
export { customisationEntries, DEFAULT_USER, JUPYTER_CONFIG_LINK, type CustomisationOptions, type ImageUserSpec } from './custom-layer.js';
export { parseReference, createdTimestamp, checkImageConfig, type ImageReference, type ImageConfigOptions } from './config.js';
export { scanStorePaths, writeLayerTar, layerTarSize, type LayerEntry, type LayerContents } from './tar.js';
