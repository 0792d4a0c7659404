using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CrmMigration.Engine.Archive
{
    /// <summary>File names inside a bag: safe names for entities, RFC 8493 path encoding, and escape checks.</summary>
    public static class BagPaths
    {
        private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
        {
            "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
        };

        /// <summary>True for the characters file names in our bags are made of: A-Z a-z 0-9 . _ -</summary>
        public static bool IsSafeChar(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

        /// <summary>True when every segment of a relative path uses only safe characters and does not start with a dot.</summary>
        public static bool IsSafeRelativePath(string path)
        {
            foreach (var segment in path.Split('/'))
            {
                if (segment.Length == 0 || segment[0] == '.') return false;
                foreach (char c in segment) if (!IsSafeChar(c)) return false;
            }
            return true;
        }

        /// <summary>
        /// File-name stems for entities: safe characters only, at most 64 of them; a name that had to be
        /// changed, is reserved on Windows, or collides (ignoring case) with another gets "_" and the first 8 hex
        /// digits of the SHA-256 of its UTF-8 name appended, so different entities never share a file.
        /// </summary>
        public static IReadOnlyDictionary<string, string> EntityStems(IEnumerable<string> entities)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "schema" };
            var names = new List<string>(entities);
            var plain = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (var n in names)
            {
                string s = Clean(n);
                plain[s] = plain.TryGetValue(s, out int k) ? k + 1 : 1;
            }
            foreach (var n in names)
            {
                string s = Clean(n);
                bool changed = !string.Equals(s, n, StringComparison.Ordinal) || Reserved.Contains(s) || plain[s] > 1 || used.Contains(s);
                string stem = changed ? s + "_" + ShortHash(n) : s;
                int i = 2;
                string candidate = stem;
                while (!used.Add(candidate)) candidate = stem + "-" + (i++).ToString(CultureInfo.InvariantCulture);
                result[n] = candidate;
            }
            return result;
        }

        private static string Clean(string name)
        {
            var sb = new StringBuilder(name.Length);
            foreach (char c in name)
            {
                if (sb.Length >= 64) break;
                sb.Append(IsSafeChar(c) ? c : '_');
            }
            while (sb.Length > 0 && sb[0] == '.') sb[0] = '_';
            return sb.Length == 0 ? "entity" : sb.ToString();
        }

        private static string ShortHash(string name) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0, 4).ToLowerInvariant();

        /// <summary>RFC 8493 §2.1.3: in manifest paths, % becomes %25, LF %0A and CR %0D.</summary>
        public static string Encode(string path)
        {
            if (path.IndexOfAny(new[] { '%', '\r', '\n' }) < 0) return path;
            return path.Replace("%", "%25", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal);
        }

        /// <summary>Reverses <see cref="Encode"/> (%0A, %0D and %25, either case of hex digit).</summary>
        public static string Decode(string path)
        {
            if (path.IndexOf('%') < 0) return path;
            var sb = new StringBuilder(path.Length);
            for (int i = 0; i < path.Length; i++)
            {
                if (path[i] == '%' && i + 2 < path.Length)
                {
                    string hex = path.Substring(i + 1, 2).ToUpperInvariant();
                    if (hex == "0A") { sb.Append('\n'); i += 2; continue; }
                    if (hex == "0D") { sb.Append('\r'); i += 2; continue; }
                    if (hex == "25") { sb.Append('%'); i += 2; continue; }
                }
                sb.Append(path[i]);
            }
            return sb.ToString();
        }

        /// <summary>
        /// A path from a manifest or fetch.txt, decoded and resolved without touching the disk: '.' segments
        /// dropped (so './data/a.csv' is 'data/a.csv', as RFC 8493 allows), '..' taken back a segment. Null, with
        /// <paramref name="reason"/>, when the path leaves the bag by any route: absolute, a drive or stream, a
        /// backslash, a NUL, or more '..' than segments before them.
        /// </summary>
        public static string? Normalize(string path, out string? reason)
        {
            reason = EscapeReason(path, allowDotDot: true);
            if (reason is not null) return null;
            var segments = new List<string>();
            foreach (var segment in path.Split('/'))
            {
                if (segment.Length == 0 || segment == ".") continue;
                if (segment == "..")
                {
                    if (segments.Count == 0) { reason = "its '..' segments climb above the bag's folder"; return null; }
                    segments.RemoveAt(segments.Count - 1);
                    continue;
                }
                segments.Add(segment);
            }
            if (segments.Count == 0) { reason = "it names the bag's folder itself"; return null; }
            return string.Join('/', segments);
        }

        /// <summary>
        /// Whether a path names something other than a regular file, folder or link: a device, pipe or socket,
        /// which would block or never end when read (read with lstat; false where the platform's layout is unknown).
        /// </summary>
        public static bool IsSpecialFile(string path)
        {
            int? mode = UnixMode(path);
            if (mode is not int m) return false;
            int type = m & 0xF000;
            return type != 0x8000 && type != 0x4000 && type != 0xA000;
        }

        private static int? UnixMode(string path)
        {
            if (OperatingSystem.IsWindows()) return null;
            int offset, width;
            if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64) { offset = 24; width = 4; }
            else if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64) { offset = 16; width = 4; }
            else if (OperatingSystem.IsMacOS()) { offset = 4; width = 2; }
            else return null;
            var buffer = new byte[512];
            try
            {
                if (NativeStat.lstat(path, buffer) != 0) return null;
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
            return width == 4 ? BitConverter.ToInt32(buffer, offset) : BitConverter.ToUInt16(buffer, offset);
        }

        private static class NativeStat
        {
            [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "lstat", SetLastError = true)]
#pragma warning disable CA2101, SYSLIB1054 // a plain UTF-8 path; LibraryImport would need the generator
            public static extern int lstat([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
#pragma warning restore CA2101, SYSLIB1054
        }

        /// <summary>
        /// Why a path (from a manifest or a zip entry) would escape the bag, or null when it stays inside:
        /// empty, absolute (/x), a drive (C:), a backslash, or a '..' segment.
        /// </summary>
        public static string? EscapeReason(string path) => EscapeReason(path, allowDotDot: false);

        private static string? EscapeReason(string path, bool allowDotDot)
        {
            if (string.IsNullOrEmpty(path)) return "the path is empty";
            if (path.IndexOf('\\') >= 0) return "it contains a backslash";
            if (path[0] == '/') return "it is absolute";
            if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])) return "it starts with a drive letter";
            if (path.IndexOf(':') >= 0) return "it contains a colon (a drive or stream name)";
            if (!allowDotDot)
            {
                foreach (var segment in path.Split('/'))
                {
                    if (segment == "..") return "it contains a '..' segment";
                }
            }
            if (path.IndexOf('\0') >= 0) return "it contains a NUL character";
            return null;
        }
    }
}
