using System.IO;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// The ledger codecs' encode buffer: one per thread, kept between batches (up to 4 MB). A 10,000-record batch's
    /// outcome blob is about 0.3-0.5 MB and its before-images about 0.1 MB: a new growing buffer per batch put two more
    /// large-object-heap arrays per blob on the garbage collector. The codecs never nest, so one buffer serves both.
    /// </summary>
    internal static class EncodeBuffer
    {
        private const int MaxKept = 4 << 20;

        [System.ThreadStatic]
        private static MemoryStream? t_buffer;

        /// <summary>This thread's buffer, emptied.</summary>
        public static MemoryStream Take()
        {
            // A buffer grown past the cap for a blob handed out in place (see Written) is let go now.
            if (t_buffer is { Capacity: > MaxKept }) t_buffer = null;
            var ms = t_buffer ??= new MemoryStream(1 << 16);
            ms.SetLength(0);
            return ms;
        }

        /// <summary>
        /// The blob written into <paramref name="ms"/> where it lies, valid until this thread's next <see cref="Take"/>: an SQLite
        /// ledger writes it into its row from there, without the copy <see cref="Finish"/> makes (a large-object-heap array per
        /// blob: two per batch, about 1.5 MB for a 10,000-row batch of a keyless file, whose before-images are whole rows).
        /// </summary>
        public static System.ArraySegment<byte> Written(MemoryStream ms) => new(ms.GetBuffer(), 0, (int)ms.Length);

        /// <summary>The blob written into <paramref name="ms"/>; a buffer grown past the cap is let go.</summary>
        public static byte[] Finish(MemoryStream ms)
        {
            byte[] blob = ms.ToArray();
            if (ms.Capacity > MaxKept) t_buffer = null;
            return blob;
        }
    }
}
