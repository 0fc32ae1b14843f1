// YAML as kubepki writes it for components (kubelet-config.yaml, kubeadm's configurations): no
// line folding, single quotes, no anchors. These options give byte for byte what js-yaml's
// dump wrote before, so files of an OUT written then stay byte-identical on --update.
import {stringify} from 'yaml';

export const yamlText = (value: unknown): string => stringify(value, {lineWidth: 0, singleQuote: true, aliasDuplicateObjects: false});
