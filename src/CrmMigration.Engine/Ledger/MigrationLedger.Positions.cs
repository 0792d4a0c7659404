using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using CrmMigration.Engine.Batches;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>
    /// What says whether a source changed under a saved read position. A file: its length and last write time. A database
    /// table read in key order: <see cref="Length"/> is -1 and <see cref="LastWriteTicks"/> the content hash of the row at the
    /// position (the ordinal of the position says how many rows lay up to it).
    /// </summary>
    public readonly record struct SourceFileStamp(long Length, long LastWriteTicks);

    public sealed partial class MigrationLedger
    {
        /// <summary>
        /// Saves how far a run has read a source entity: every row before <paramref name="position"/> (and the row itself when
        /// it is not inclusive) is recorded in the ledger for every target the source feeds. Saved after those batches committed,
        /// so a position is never ahead of the books; <paramref name="stamp"/> is the file's length and time at the save (or,
        /// for a table, the hash of the row at the position). A keyset position's key parts are saved with it, in one transaction.
        /// </summary>
        public void SaveSourcePosition(string runId, string sourceEntity, SourcePosition position, SourceFileStamp stamp)
        {
            long run = RunNumber(runId)!.Value;
            using var tx = _store.Begin(exclusive: false);
            using (var cmd = Command(@"INSERT INTO source_positions(run_no, source_entity, ordinal, inclusive, byte_offset, line, file_length, file_ticks, at)
VALUES (@r, @e, @o, @i, @b, @l, @fl, @ft, @at)
ON CONFLICT(run_no, source_entity) DO UPDATE SET ordinal = excluded.ordinal, inclusive = excluded.inclusive, byte_offset = excluded.byte_offset, line = excluded.line,
  file_length = excluded.file_length, file_ticks = excluded.file_ticks, at = excluded.at", tx))
            {
                Add(cmd, "@r", run);
                Add(cmd, "@e", sourceEntity);
                Add(cmd, "@o", position.Ordinal);
                Add(cmd, "@i", position.Inclusive ? 1L : 0L);
                Add(cmd, "@b", position.Offset);
                Add(cmd, "@l", position.Line);
                Add(cmd, "@fl", stamp.Length);
                Add(cmd, "@ft", stamp.LastWriteTicks);
                Add(cmd, "@at", Now());
                cmd.ExecuteNonQuery();
            }
            if (position.KeyParts is { } parts)
            {
                using var keys = Command(@"INSERT INTO source_keys(run_no, source_entity, key_parts) VALUES (@r, @e, @k)
ON CONFLICT(run_no, source_entity) DO UPDATE SET key_parts = excluded.key_parts", tx);
                Add(keys, "@r", run);
                Add(keys, "@e", sourceEntity);
                Add(keys, "@k", JsonSerializer.Serialize(parts));
                keys.ExecuteNonQuery();
            }
            else
            {
                using var clear = Command("DELETE FROM source_keys WHERE run_no = @r AND source_entity = @e", tx);
                Add(clear, "@r", run);
                Add(clear, "@e", sourceEntity);
                clear.ExecuteNonQuery();
            }
            tx.Commit();
        }

        /// <summary>The position a run last saved for a source entity (with its key parts, for a keyset), with the stamp then; null when none was saved.</summary>
        public (SourcePosition Position, SourceFileStamp Stamp)? SourcePositionOf(string runId, string sourceEntity)
        {
            if (RunNumber(runId, required: false) is not long run) return null;
            using var cmd = Command(@"SELECT p.ordinal, p.inclusive, p.byte_offset, p.line, p.file_length, p.file_ticks, k.key_parts FROM source_positions p
LEFT JOIN source_keys k ON k.run_no = p.run_no AND k.source_entity = p.source_entity WHERE p.run_no = @r AND p.source_entity = @e");
            Add(cmd, "@r", run);
            Add(cmd, "@e", sourceEntity);
            using var reader = cmd.ExecuteReader();
            if (!reader.Read()) return null;
            long L(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
            string[]? parts = reader.IsDBNull(6) ? null : JsonSerializer.Deserialize<string[]>(reader.GetString(6));
            string? key = parts is null ? null : new CrmKey(parts).ToString();
            return (new SourcePosition(L(0), L(2), L(3), key, L(1) != 0) { KeyParts = parts }, new SourceFileStamp(L(4), L(5)));
        }
    }
}
