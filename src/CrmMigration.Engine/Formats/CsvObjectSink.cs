using System;
using System.Collections.Generic;
using System.IO;

namespace CrmMigration.Engine.Formats
{
    /// <summary>
    /// Writes one vendor object as CSV load files: into temporary files beside the final ones, split into parts before a
    /// size limit when the format has one, renamed into place only when the object completes (a failed write leaves the
    /// earlier files as they were). Parts of an earlier, longer write of the object that this write did not produce are
    /// removed on completion, since a loader would read them as part of the object.
    /// </summary>
    internal sealed class CsvObjectSink : IObjectSink
    {
        private readonly Func<int, string> _pathOfPart;
        private readonly string[] _header;
        private readonly string _newLine;
        private readonly long _maxFileBytes;
        private readonly Action<string?[]>? _prepare;
        private readonly Func<IEnumerable<string>>? _earlierParts;
        private readonly List<(string Temp, string Final)> _files = new();
        private Rfc4180Writer? _csv;
        private long _rowsInFile;
        private bool _done;

        /// <param name="pathOfPart">The final path of part 1, 2, ... of the object.</param>
        /// <param name="writer">The canonical writer whose columns make the header.</param>
        /// <param name="newLine">The format's line ending.</param>
        /// <param name="maxFileBytes">Where a part ends (a part holds at least one row); <see cref="long.MaxValue"/> for one file.</param>
        /// <param name="prepare">Adjusts a row's values before they are written (a format's null text), or null.</param>
        /// <param name="earlierParts">The object's files as they are before this write, or null when a write always produces the same file.</param>
        public CsvObjectSink(Func<int, string> pathOfPart, CanonicalWriter writer, string newLine, long maxFileBytes = long.MaxValue,
            Action<string?[]>? prepare = null, Func<IEnumerable<string>>? earlierParts = null)
        {
            _pathOfPart = pathOfPart;
            _newLine = newLine;
            _maxFileBytes = maxFileBytes;
            _prepare = prepare;
            _earlierParts = earlierParts;
            _header = new string[writer.Columns.Count];
            for (int i = 0; i < _header.Length; i++) _header[i] = writer.Columns[i].Name;
            NextFile();
        }

        private void NextFile()
        {
            _csv?.Dispose();
            string final = _pathOfPart(_files.Count + 1);
            string temp = Path.Combine(Path.GetDirectoryName(final) ?? ".", "." + Path.GetFileName(final) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            _files.Add((temp, final));
            _csv = new Rfc4180Writer(new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), _newLine);
            _csv.WriteRow(_header);
            _rowsInFile = 0;
        }

        public void Write(CrmRecord record, string?[] values)
        {
            _prepare?.Invoke(values);
            if (_rowsInFile > 0 && _maxFileBytes != long.MaxValue && _csv!.Bytes + _csv.Measure(values) > _maxFileBytes) NextFile();
            _csv!.WriteRow(values);
            _rowsInFile++;
        }

        public void Complete(FormatSidecar.ObjectInfo info)
        {
            _csv?.Dispose();
            _csv = null;
            foreach (var (temp, final) in _files)
            {
                File.Move(temp, final, overwrite: true);
                info.Files.Add(Path.GetFileName(final));
            }
            if (_earlierParts is not null)
            {
                foreach (var old in _earlierParts())
                {
                    if (!info.Files.Contains(Path.GetFileName(old))) File.Delete(old);
                }
            }
            _done = true;
        }

        public void Dispose()
        {
            _csv?.Dispose();
            _csv = null;
            if (_done) return;
            foreach (var (temp, _) in _files)
            {
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
