import React, {useState} from 'react';
import {Form} from './Form.js';

interface Props {
  initialPath: string;
  /** Opens the directory; says why it cannot be opened, or undefined once it is. */
  open: (path: string) => string | undefined;
  onBack: () => void;
}

/** The first screen's "update": which output directory to open. */
export function OpenOutStep({initialPath, open, onBack}: Props) {
  const [path, setPath] = useState(initialPath);
  const [error, setError] = useState<string>();
  return (
    <Form
      fields={[{kind: 'text', key: 'path', label: 'Output directory', value: path, hint: 'a directory kubepki wrote (it holds manifest.json and cluster.yaml)'}]}
      errors={error ? {path: error} : {}}
      onChange={(_key, value) => { setPath(value); setError(undefined); }}
      onBack={onBack}
      onSubmit={() => setError(open(path.trim()))}
    />
  );
}
