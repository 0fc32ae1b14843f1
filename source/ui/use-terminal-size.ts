import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

/**
 * The terminal's size, updated when it is resized. Ink redraws on resize but does not render the
 * components again, so a layout computed from stdout.columns would keep the old width.
 */
export function useTerminalSize(): {columns: number; rows: number} {
  const {stdout} = useStdout();
  const read = () => ({columns: stdout?.columns || 80, rows: stdout?.rows || 24});
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (!stdout) return;
    const update = () => setSize(read());
    stdout.on('resize', update);
    update(); // a resize between the first render and this subscription is not missed
    return () => { stdout.off('resize', update); };
  }, [stdout]);
  return size;
}
