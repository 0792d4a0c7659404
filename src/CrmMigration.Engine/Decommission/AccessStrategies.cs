using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using CrmMigration.Engine.Archive;
using Microsoft.Data.Sqlite;

namespace CrmMigration.Engine.Decommission
{
    /// <summary>What a strategy did (or would do) in one stage.</summary>
    public sealed class StageOutcome
    {
        public bool NotApplicable { get; set; }
        public List<string> Actions { get; } = new();
        public SortedDictionary<string, string> Evidence { get; } = new(StringComparer.Ordinal);
        public string Notes { get; set; } = "";
        /// <summary>Freeze: what could not be made safe and blocks later stages until acknowledged (-Force).</summary>
        public List<string> Findings { get; } = new();
        /// <summary>For Purge: how the data was deleted, for the certificate (null: file-system unlink).</summary>
        public string? MethodDetail { get; set; }
    }

    /// <summary>
    /// The engine-specific part of decommissioning: making a system read-only, revoking access, and
    /// deleting its data. SQLite, files and PostgreSQL/MySQL servers (<see cref="DbAccessStrategy"/>) are
    /// implemented; others plug in here through <see cref="AccessStrategies.Register"/>.
    /// Every method is idempotent: running it again after a crash finds the work done and records that.
    /// </summary>
    public interface ISystemAccessStrategy
    {
        /// <summary>Name for reports (e.g. "SQLite file").</summary>
        string Name { get; }
        /// <summary>NIST SP 800-88 media type of what Purge deletes.</summary>
        string MediaType { get; }
        bool Handles(CrmConnection connection);
        StageOutcome Freeze(CrmConnection connection, bool plan);
        StageOutcome Revoke(CrmConnection connection, bool plan);
        /// <summary>The files (or folder) holding the data, for the purge plan and certificate.</summary>
        IReadOnlyList<string> DataLocations(CrmConnection connection);
        StageOutcome Purge(CrmConnection connection, bool plan);
    }

    /// <summary>The registered strategies, most specific first.</summary>
    public static class AccessStrategies
    {
        private static readonly List<ISystemAccessStrategy> Known = new() { new DbAccessStrategy(), new SqliteAccessStrategy(), new FileAccessStrategy() };

        /// <summary>Adds a strategy (checked before the built-in ones).</summary>
        public static void Register(ISystemAccessStrategy strategy)
        {
            lock (Known) Known.Insert(0, strategy);
        }

        public static ISystemAccessStrategy For(CrmConnection connection)
        {
            lock (Known)
            {
                foreach (var s in Known) if (s.Handles(connection)) return s;
            }
            throw new CrmException("DecommissionNotSupported", CrmErrorKind.InvalidArgument, $"No decommission strategy handles {connection.Provider} systems yet.");
        }
    }

    /// <summary>Read-only file modes, shared by the SQLite and file strategies.</summary>
    internal static class FileModes
    {
        public static string Describe(string path)
        {
            if (OperatingSystem.IsWindows()) return File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly) ? "ReadOnly" : "Writable";
            return Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');
        }

        /// <summary>Removes the write bits (or sets ReadOnly). Returns false when it already was read-only.</summary>
        public static bool MakeReadOnly(string path)
        {
            if (OperatingSystem.IsWindows())
            {
                var a = File.GetAttributes(path);
                if (a.HasFlag(FileAttributes.ReadOnly) || a.HasFlag(FileAttributes.Directory)) return false;
                File.SetAttributes(path, a | FileAttributes.ReadOnly);
                return true;
            }
            var mode = File.GetUnixFileMode(path);
            var ro = mode & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
            if (ro == mode) return false;
            File.SetUnixFileMode(path, ro);
            return true;
        }

        public static void MakeWritableByOwner(string path)
        {
            if (OperatingSystem.IsWindows())
            {
                var a = File.GetAttributes(path);
                if (a.HasFlag(FileAttributes.ReadOnly)) File.SetAttributes(path, a & ~FileAttributes.ReadOnly);
                return;
            }
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserWrite);
        }

        public const string Honesty = "Read-only file modes stop ordinary writers, not an administrator: root ignores them and any owner or administrator can undo them with chmod (or by clearing the ReadOnly attribute). They are a guard against accidents, not proof. The durable proof of what the system held is the archive's manifests (tagmanifest-sha512.txt pins them) and the audit log.";
    }

    /// <summary>SQLite: the database file (and its -wal/-shm/-journal companions).</summary>
    public sealed class SqliteAccessStrategy : ISystemAccessStrategy
    {
        public string Name => "SQLite database file";
        public string MediaType => "File on a file system (SQLite database file and its journal files); the underlying disk is not sanitised.";
        public bool Handles(CrmConnection connection) => connection.Provider == CrmProviderKind.Sqlite;

        public IReadOnlyList<string> DataLocations(CrmConnection connection)
        {
            var list = new List<string> { Path.GetFullPath(connection.Location) };
            foreach (var suffix in new[] { "-wal", "-shm", "-journal" })
            {
                if (File.Exists(list[0] + suffix)) list.Add(list[0] + suffix);
            }
            return list;
        }

        public StageOutcome Freeze(CrmConnection connection, bool plan)
        {
            var o = new StageOutcome();
            string db = Path.GetFullPath(connection.Location);
            if (!File.Exists(db)) throw new CrmException("SourceNotFound", CrmErrorKind.NotFound, $"The SQLite file '{db}' does not exist.");
            bool writable = FileModesWritable(db);
            if (plan)
            {
                o.Actions.Add($"if '{db}' uses a write-ahead log: checkpoint it into the file and switch to journal_mode=DELETE (PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE), so readers of the frozen file need no -wal/-shm files");
                o.Actions.Add($"remove the write permission bits of '{db}' (chmod a-w), recording the mode before and after");
                o.Actions.Add("open every later connection of CrmMigration to it read-only (PRAGMA query_only = ON semantics)");
                return o;
            }
            o.Evidence["mode.before"] = FileModes.Describe(db);
            if (writable)
            {
                SQLitePCL.Batteries_V2.Init();
                using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
                c.Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "PRAGMA journal_mode;";
                string mode = Convert.ToString(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
                o.Evidence["journal_mode.before"] = mode;
                if (string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    cmd.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;";
                    cmd.ExecuteNonQuery();
                    o.Actions.Add("checkpointed the write-ahead log into the database file and switched it to journal_mode=DELETE");
                }
            }
            o.Actions.Add(FileModes.MakeReadOnly(db) ? $"removed the write bits of '{db}'" : $"'{db}' was already read-only; left as it was");
            o.Evidence["mode.after"] = FileModes.Describe(db);
            o.Evidence["sha256.atFreeze"] = HashingStream.HashFile(db).Sha256;
            o.Notes = "SQLite has no server to put into read-only mode: PRAGMA query_only = ON is a per-connection setting, which CrmMigration's own (read-only) connections follow but which cannot be imposed on other programs. The file mode is what stops other writers. "
                + FileModes.Honesty;
            return o;
        }

        private static bool FileModesWritable(string path) => OperatingSystem.IsWindows() ? !File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly)
            : (File.GetUnixFileMode(path) & UnixFileMode.UserWrite) != 0;

        public StageOutcome Revoke(CrmConnection connection, bool plan)
        {
            var o = new StageOutcome { NotApplicable = true };
            o.Actions.Add("nothing to revoke: an SQLite file has no logins, users or scheduled jobs of its own");
            o.Notes = "Not applicable to SQLite: access is whatever the file system grants, and Freeze already removed the write bits. Applications, cron jobs or services that open this file are outside the file and must be stopped by their owners; a CRM profile (SuiteCRM, Odoo) on a server engine is where users and schedulers will be disabled.";
            return o;
        }

        public StageOutcome Purge(CrmConnection connection, bool plan) => FileAccessStrategy.DeleteFiles(DataLocations(connection), null, plan);
    }

    /// <summary>CSV folders or files and Excel workbooks.</summary>
    public sealed class FileAccessStrategy : ISystemAccessStrategy
    {
        public string Name => "files";
        public string MediaType => "Files on a file system (CSV or Excel files); the underlying disk is not sanitised.";
        public bool Handles(CrmConnection connection) => connection.Provider is CrmProviderKind.Csv or CrmProviderKind.Excel;

        public IReadOnlyList<string> DataLocations(CrmConnection connection)
        {
            string loc = Path.GetFullPath(connection.Location);
            if (Directory.Exists(loc))
            {
                var files = new List<string>(Directory.EnumerateFiles(loc, "*", SearchOption.AllDirectories));
                files.Sort(StringComparer.Ordinal);
                return files;
            }
            var list = new List<string> { loc };
            if (File.Exists(loc + "-metadata.json")) list.Add(loc + "-metadata.json");
            return list;
        }

        private static string? Folder(CrmConnection connection) => Directory.Exists(connection.Location) ? Path.GetFullPath(connection.Location) : null;

        public StageOutcome Freeze(CrmConnection connection, bool plan)
        {
            var o = new StageOutcome();
            var files = DataLocations(connection);
            string? folder = Folder(connection);
            if (folder is null && !File.Exists(files[0])) throw new CrmException("SourceNotFound", CrmErrorKind.NotFound, $"'{files[0]}' does not exist.");
            foreach (var f in files)
            {
                if (plan) { o.Actions.Add($"remove the write bits of '{f}'"); continue; }
                o.Evidence["mode.before " + f] = FileModes.Describe(f);
                o.Actions.Add(FileModes.MakeReadOnly(f) ? $"removed the write bits of '{f}'" : $"'{f}' was already read-only");
                o.Evidence["mode.after " + f] = FileModes.Describe(f);
            }
            if (folder is not null && !OperatingSystem.IsWindows())
            {
                if (plan) o.Actions.Add($"remove the write bits of the folder '{folder}' (no file can be added, renamed or removed)");
                else
                {
                    o.Evidence["mode.before " + folder + "/"] = FileModes.Describe(folder);
                    o.Actions.Add(FileModes.MakeReadOnly(folder) ? $"removed the write bits of the folder '{folder}'" : $"the folder '{folder}' was already read-only");
                    o.Evidence["mode.after " + folder + "/"] = FileModes.Describe(folder);
                }
            }
            o.Notes = FileModes.Honesty;
            return o;
        }

        public StageOutcome Revoke(CrmConnection connection, bool plan)
        {
            var o = new StageOutcome { NotApplicable = true };
            o.Actions.Add("nothing to revoke: CSV and Excel files have no logins, users or scheduled jobs of their own");
            o.Notes = "Not applicable to files: access is whatever the file system and its shares grant; Freeze removed the write bits. Shares, sync clients and jobs that read or write these files must be stopped by their owners.";
            return o;
        }

        public StageOutcome Purge(CrmConnection connection, bool plan) => DeleteFiles(DataLocations(connection), Folder(connection), plan);

        /// <summary>Hashes each file (evidence of what was deleted), deletes it, then checks it is gone.</summary>
        internal static StageOutcome DeleteFiles(IReadOnlyList<string> files, string? folder, bool plan)
        {
            var o = new StageOutcome();
            if (folder is not null && !OperatingSystem.IsWindows() && !plan && Directory.Exists(folder)) FileModes.MakeWritableByOwner(folder);
            foreach (var f in files)
            {
                if (plan) { o.Actions.Add($"record the SHA-256 and size of '{f}', then delete it (file-system unlink)"); continue; }
                if (!File.Exists(f)) { o.Actions.Add($"'{f}' was already deleted (an earlier run)"); continue; }
                var h = HashingStream.HashFile(f);
                o.Evidence["deleted " + f] = "sha256=" + h.Sha256 + " bytes=" + h.Length.ToString(CultureInfo.InvariantCulture);
                if (OperatingSystem.IsWindows()) FileModes.MakeWritableByOwner(f);
                File.Delete(f);
                o.Actions.Add($"deleted '{f}'");
            }
            if (folder is not null)
            {
                if (plan) o.Actions.Add($"delete the folder '{folder}'");
                else if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                    o.Actions.Add($"deleted the folder '{folder}'");
                }
            }
            if (!plan)
            {
                var left = new List<string>();
                foreach (var f in files) if (File.Exists(f)) left.Add(f);
                if (folder is not null && Directory.Exists(folder)) left.Add(folder);
                o.Evidence["verification"] = left.Count == 0 ? "every deleted path was checked and no longer exists" : "STILL PRESENT: " + string.Join(", ", left);
                if (left.Count > 0) throw new CrmException("PurgeIncomplete", CrmErrorKind.WriteError, "These paths could not be deleted: " + string.Join(", ", left));
            }
            return o;
        }
    }
}
