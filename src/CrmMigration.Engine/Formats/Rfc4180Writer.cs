using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CrmMigration.Engine.Formats
{
    /// <summary>
    /// A byte-exact RFC 4180 writer for files another system loads: UTF-8 without a byte order mark, one line ending for
    /// every record, a field quoted only when it holds the separator, a quote, a line break or leading/trailing white space
    /// (so no tool trims it), quotes doubled, nothing next to the quotes, no formula escaping, values never trimmed.
    /// </summary>
    internal sealed class Rfc4180Writer : IDisposable
    {
        private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        private readonly Stream _stream;
        private readonly string _newLine;
        private readonly char _separator;
        private readonly StringBuilder _line = new();
        private byte[] _buffer = new byte[4096];

        public Rfc4180Writer(Stream stream, string newLine, char separator = ',')
        {
            _stream = stream;
            _newLine = newLine;
            _separator = separator;
        }

        /// <summary>Bytes written so far.</summary>
        public long Bytes { get; private set; }

        /// <summary>The UTF-8 byte count a row would take (to split files before a size limit).</summary>
        public int Measure(IReadOnlyList<string?> fields)
        {
            Format(fields);
            return Utf8.GetByteCount(_line.ToString());
        }

        /// <summary>Writes one record (null and empty are both an empty field).</summary>
        public void WriteRow(IReadOnlyList<string?> fields)
        {
            Format(fields);
            string text = _line.ToString();
            int n = Utf8.GetMaxByteCount(text.Length);
            if (_buffer.Length < n) _buffer = new byte[Math.Max(n, _buffer.Length * 2)];
            int count = Utf8.GetBytes(text, 0, text.Length, _buffer, 0);
            _stream.Write(_buffer, 0, count);
            Bytes += count;
        }

        private void Format(IReadOnlyList<string?> fields)
        {
            _line.Clear();
            for (int i = 0; i < fields.Count; i++)
            {
                if (i > 0) _line.Append(_separator);
                string? v = fields[i];
                if (string.IsNullOrEmpty(v)) continue;
                if (NeedsQuotes(v))
                {
                    _line.Append('"');
                    foreach (char c in v)
                    {
                        if (c == '"') _line.Append('"');
                        _line.Append(c);
                    }
                    _line.Append('"');
                }
                else _line.Append(v);
            }
            _line.Append(_newLine);
        }

        private bool NeedsQuotes(string v)
        {
            if (char.IsWhiteSpace(v[0]) || char.IsWhiteSpace(v[^1])) return true;
            foreach (char c in v) if (c == _separator || c == '"' || c == '\r' || c == '\n') return true;
            return false;
        }

        public void Dispose() => _stream.Dispose();
    }
}
