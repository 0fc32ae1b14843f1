// The trust map's broken arrows for a checked tree, as `kubepki map --inspect` draws them in
// text: the check screen's `m` and the report printed after it. Apart from check.ts: the map
// reads inspect's own module, which the wizard loads only once a path is checked.
import type {InspectReport} from '../inspect/types.js';
import {buildTrustMap} from '../map/build.js';
import {renderBrokenConnections} from '../map/render.js';
import {sourceFromInspect} from '../map/sources.js';

export interface BrokenConnections {
  count: number;
  /** Empty when none is broken. */
  text: string;
}

export function brokenConnections(report: InspectReport, columns?: number): BrokenConnections {
  const map = buildTrustMap(sourceFromInspect(report));
  return {count: map.edges.filter(e => e.problems.length).length, text: renderBrokenConnections(map, report.paths, columns)};
}
