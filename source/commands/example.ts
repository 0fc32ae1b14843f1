import {EXAMPLE_HEADER, exampleSpec} from '../spec/example.js';
import {specToYaml} from '../spec/load.js';
import {EXIT, type Io} from './io.js';

export function runExample(io: Io): number {
  io.out(specToYaml(exampleSpec(), EXAMPLE_HEADER));
  return EXIT.ok;
}
