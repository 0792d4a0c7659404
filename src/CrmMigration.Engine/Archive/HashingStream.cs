using System;
using System.IO;
using System.Security.Cryptography;

namespace CrmMigration.Engine.Archive
{
    /// <summary>A write-only stream that hashes (SHA-256 and SHA-512) and counts the bytes it passes on.</summary>
    public sealed class HashingStream : Stream
    {
        private readonly Stream _inner;
        private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash _sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        private readonly Action<HashingStream>? _onClose;
        private bool _closed;

        /// <summary>Wraps a stream; <paramref name="onClose"/> runs once when it is closed, after the last byte.</summary>
        public HashingStream(Stream inner, Action<HashingStream>? onClose = null)
        {
            _inner = inner;
            _onClose = onClose;
        }

        /// <summary>Bytes written.</summary>
        public long Written { get; private set; }
        /// <summary>SHA-256, lowercase hex (after close).</summary>
        public string Sha256 { get; private set; } = "";
        /// <summary>SHA-512, lowercase hex (after close).</summary>
        public string Sha512 { get; private set; } = "";

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => _inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _sha256.AppendData(buffer);
            _sha512.AppendData(buffer);
            Written += buffer.Length;
            _inner.Write(buffer);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                _inner.Dispose();
                Sha256 = Convert.ToHexString(_sha256.GetHashAndReset()).ToLowerInvariant();
                Sha512 = Convert.ToHexString(_sha512.GetHashAndReset()).ToLowerInvariant();
                _sha256.Dispose();
                _sha512.Dispose();
                _onClose?.Invoke(this);
            }
            base.Dispose(disposing);
        }

        /// <summary>Hashes a whole file (tag files and small sidecars).</summary>
        public static (string Sha256, string Sha512, long Length) HashFile(string path)
        {
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var sha512 = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var buffer = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = f.Read(buffer, 0, buffer.Length)) > 0)
            {
                sha256.AppendData(buffer, 0, n);
                sha512.AppendData(buffer, 0, n);
                total += n;
            }
            return (Convert.ToHexString(sha256.GetHashAndReset()).ToLowerInvariant(), Convert.ToHexString(sha512.GetHashAndReset()).ToLowerInvariant(), total);
        }
    }
}
