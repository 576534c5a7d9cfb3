/** A drop zone for one CSV file that is also a button (click, Enter or Space opens the file picker). */
import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';

const ACCEPT = '.csv,.tsv,.txt,text/csv,text/plain';

export function CsvDropZone(props: {
  title: string;
  hint: string;
  /** The hidden file input's accessible name. */
  inputLabel: string;
  onFile: (file: File) => void;
  testId: string;
  inputTestId: string;
  inputId?: string;
  compact?: boolean;
}) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files?.[0];
    if (file) props.onFile(file);
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      input.current?.click();
    }
  };
  return (
    <>
      <div
        className={`dropzone${props.compact ? ' compact' : ''}${over ? ' over' : ''}`}
        data-testid={props.testId}
        role="button"
        tabIndex={0}
        onKeyDown={onKey}
        onClick={() => input.current?.click()}
        onDragEnter={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <strong>{props.title}</strong>
        <span>{props.hint}</span>
      </div>
      <input
        ref={input}
        id={props.inputId}
        data-testid={props.inputTestId}
        className="visually-hidden"
        type="file"
        accept={ACCEPT}
        tabIndex={-1}
        aria-label={props.inputLabel}
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) props.onFile(f);
          e.target.value = '';
        }}
      />
    </>
  );
}
