using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Unicode;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>
    /// Reads a text file in any encoding and hands out UTF-8 (what the CSV parser reads fastest), replacing each
    /// byte sequence that is invalid in the encoding with U+FFFD and remembering where it was: byte offset in the
    /// file and line. The reader rejects the rows that hold one, naming the offset, instead of loading
    /// replacement characters silently. Valid UTF-8 passes through untouched (one vectorised validity check per block).
    /// </summary>
    /// <remarks>
    /// Lines are counted as the CSV parser counts them (CR LF, LF and a lone CR each end one), so an invalid
    /// sequence's line matches the line the parser gives the row. Other encodings are decoded with a fallback that
    /// marks invalid bytes with the noncharacter U+FDD0, which is then found in the decoded text, given its line, and
    /// replaced; a genuine U+FDD0 in the file is left alone when no invalid bytes are pending.
    /// </remarks>
    internal sealed class Utf8DecodingStream : Stream
    {
        private const int BlockSize = 1 << 16;
        private const char Marker = '\uFDD0';
        private static readonly byte[] Replacement = { 0xEF, 0xBF, 0xBD };

        private readonly Stream _source;
        private readonly bool _utf8;
        private readonly Decoder? _decoder;
        private readonly MarkingFallback? _fallback;
        private readonly byte[] _in = ArrayPool<byte>.Shared.Rent(BlockSize);
        private readonly char[] _chars;
        private byte[] _out = ArrayPool<byte>.Shared.Rent(BlockSize * 3 + 16);
        private int _outStart, _outEnd;
        private int _carry;
        private long _inOffset; // file offset of _in[0]
        private long _line = 1;
        private bool _pendingCr;
        private bool _eof;

        /// <summary>
        /// Reads <paramref name="source"/> past <paramref name="skip"/> bytes (a byte order mark, or, to resume a read, the rows
        /// before the offset; <paramref name="firstLine"/> is then the line that starts there).
        /// </summary>
        public Utf8DecodingStream(Stream source, Encoding encoding, long skip, long firstLine = 1)
        {
            _source = source;
            _line = firstLine;
            _utf8 = TextEncodings.IsUtf8(encoding);
            if (skip > 0)
            {
                source.Seek(skip, SeekOrigin.Begin);
                _inOffset = skip;
            }
            if (!_utf8)
            {
                _fallback = new MarkingFallback();
                var marked = (Encoding)encoding.Clone();
                marked.DecoderFallback = _fallback;
                _decoder = marked.GetDecoder();
                _chars = ArrayPool<char>.Shared.Rent(BlockSize + 16);
            }
            else
            {
                _chars = Array.Empty<char>();
            }
        }

        /// <summary>Invalid sequences met so far, in file order; the reader takes them off as it reaches their lines.</summary>
        public Queue<InvalidSequence> Invalid { get; } = new();

        /// <summary>Invalid sequences met in all.</summary>
        public long InvalidCount { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            while (_outStart == _outEnd)
            {
                if (_eof) return 0;
                Fill();
            }
            int n = Math.Min(buffer.Length, _outEnd - _outStart);
            _out.AsSpan(_outStart, n).CopyTo(buffer);
            _outStart += n;
            return n;
        }

        /// <summary>Reads the whole input (for a strict check before anything is parsed).</summary>
        public void Drain()
        {
            while (!_eof) { _outStart = _outEnd = 0; Fill(); }
        }

        private void Fill()
        {
            _outStart = _outEnd = 0;
            int read = _source.Read(_in, _carry, BlockSize - _carry);
            int total = _carry + read;
            bool final = read == 0;
            if (_utf8) FillUtf8(total, final);
            else FillDecoded(total, final);
            if (final) _eof = true;
        }

        private void FillUtf8(int total, bool final)
        {
            var span = new ReadOnlySpan<byte>(_in, 0, total);
            int complete = final ? total : TextEncodings.CompleteLength(span);
            var block = span.Slice(0, complete);
            if (Utf8.IsValid(block))
            {
                CountLines(block);
                block.CopyTo(_out);
                _outEnd = block.Length;
            }
            else
            {
                int o = 0, i = 0;
                while (i < block.Length)
                {
                    var status = Rune.DecodeFromUtf8(block.Slice(i), out _, out int used);
                    used = Math.Max(1, used);
                    if (status == System.Buffers.OperationStatus.Done)
                    {
                        var piece = block.Slice(i, used);
                        CountLines(piece);
                        piece.CopyTo(_out.AsSpan(o));
                        o += used;
                    }
                    else
                    {
                        _pendingCr = false;
                        Add(_inOffset + i, Hex(block.Slice(i, used)));
                        Replacement.CopyTo(_out, o);
                        o += Replacement.Length;
                    }
                    i += used;
                }
                _outEnd = o;
            }
            span.Slice(complete).CopyTo(_in);
            _inOffset += complete;
            _carry = total - complete;
        }

        private void FillDecoded(int total, bool final)
        {
            _fallback!.Offsets.Clear();
            _fallback.Base = _inOffset;
            _decoder!.Convert(_in, 0, total, _chars, 0, BlockSize + 16, final, out int used, out int produced, out _);
            var chars = _chars.AsSpan(0, produced);
            int at = 0;
            int next = 0;
            var offsets = _fallback.Offsets;
            while (at < chars.Length)
            {
                int k = offsets.Count > next ? chars.Slice(at).IndexOf(Marker) : -1;
                if (k < 0) { CountLines(chars.Slice(at)); break; }
                CountLines(chars.Slice(at, k));
                var (offset, bytes) = offsets[next++];
                _pendingCr = false;
                Add(offset, bytes);
                chars[at + k] = '\uFFFD';
                at += k + 1;
            }
            _outEnd = Encoding.UTF8.GetBytes(chars, _out);
            Array.Copy(_in, used, _in, 0, total - used);
            _inOffset += used;
            _carry = total - used;
        }

        private void Add(long offset, string bytes)
        {
            InvalidCount++;
            Invalid.Enqueue(new InvalidSequence(offset, _line, bytes));
        }

        private void CountLines(ReadOnlySpan<byte> text)
        {
            if (text.IsEmpty) return;
            // Vectorised: every LF ends a line, and so does every CR not followed by an LF.
            int lf = text.Count((byte)'\n');
            if (_pendingCr && text[0] == (byte)'\n') lf--; // CR at the end of the last block, LF now: one line break
            _pendingCr = false;
            _line += lf;
            int at = text.IndexOf((byte)'\r');
            while (at >= 0)
            {
                if (at + 1 == text.Length) { _line++; _pendingCr = true; break; }
                if (text[at + 1] != (byte)'\n') _line++;
                int next = text.Slice(at + 1).IndexOf((byte)'\r');
                at = next < 0 ? -1 : at + 1 + next;
            }
        }

        private void CountLines(ReadOnlySpan<char> text)
        {
            foreach (char c in text)
            {
                if (c == '\n') { if (!_pendingCr) _line++; _pendingCr = false; }
                else if (c == '\r') { _line++; _pendingCr = true; }
                else _pendingCr = false;
            }
        }

        internal static string Hex(ReadOnlySpan<byte> bytes)
        {
            var sb = new StringBuilder(bytes.Length * 5);
            for (int i = 0; i < bytes.Length && i < 8; i++)
            {
                if (i > 0) sb.Append(' ');
                sb.Append("0x").Append(bytes[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _source.Dispose();
                ArrayPool<byte>.Shared.Return(_in);
                ArrayPool<byte>.Shared.Return(_out);
                _out = Array.Empty<byte>();
                if (_chars.Length > 0) ArrayPool<char>.Shared.Return(_chars);
            }
            base.Dispose(disposing);
        }

        /// <summary>Marks each invalid byte sequence with U+FDD0 and records its file offset and bytes.</summary>
        private sealed class MarkingFallback : DecoderFallback
        {
            public long Base;
            public long Last = -1;
            public List<(long Offset, string Bytes)> Offsets { get; } = new();
            public override int MaxCharCount => 1;
            public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer(this);

            private sealed class Buffer : DecoderFallbackBuffer
            {
                private readonly MarkingFallback _owner;
                private bool _pending;

                public Buffer(MarkingFallback owner) { _owner = owner; }
                public override int Remaining => _pending ? 1 : 0;

                public override bool Fallback(byte[] bytesUnknown, int index)
                {
                    long offset = _owner.Base + index;
                    // Some decoders count before they decode: the same bytes come twice.
                    if (offset > _owner.Last || _owner.Last < 0)
                    {
                        _owner.Offsets.Add((offset, Hex(bytesUnknown)));
                        _owner.Last = offset;
                    }
                    _pending = true;
                    return true;
                }

                public override char GetNextChar()
                {
                    if (!_pending) return '\0';
                    _pending = false;
                    return Marker;
                }

                public override bool MovePrevious() => false;

                public override void Reset() => _pending = false;
            }
        }
    }
}
