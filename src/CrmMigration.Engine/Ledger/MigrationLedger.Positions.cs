using System;
using System.Globalization;
using CrmMigration.Engine.Batches;

namespace CrmMigration.Engine.Ledger
{
    /// <summary>Where a source file stood when a read position was saved: a resumed run seeks only into the same file.</summary>
    public readonly record struct SourceFileStamp(long Length, long LastWriteTicks);

    public sealed partial class MigrationLedger
    {
        /// <summary>
        /// Saves how far a run has read a source entity: every row before <paramref name="position"/> (and the row itself when
        /// it is not inclusive) is recorded in the ledger for every target the source feeds. Saved after those batches committed,
        /// so a position is never ahead of the books; <paramref name="stamp"/> is the file's length and time at the save.
        /// </summary>
        public void SaveSourcePosition(string runId, string sourceEntity, SourcePosition position, SourceFileStamp stamp)
        {
            using var cmd = Command(@"INSERT INTO source_positions(run_no, source_entity, ordinal, inclusive, byte_offset, line, file_length, file_ticks, at)
VALUES (@r, @e, @o, @i, @b, @l, @fl, @ft, @at)
ON CONFLICT(run_no, source_entity) DO UPDATE SET ordinal = excluded.ordinal, inclusive = excluded.inclusive, byte_offset = excluded.byte_offset, line = excluded.line,
  file_length = excluded.file_length, file_ticks = excluded.file_ticks, at = excluded.at");
            Add(cmd, "@r", RunNumber(runId)!.Value);
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

        /// <summary>The position a run last saved for a source entity, with the file's stamp then; null when none was saved.</summary>
        public (SourcePosition Position, SourceFileStamp Stamp)? SourcePositionOf(string runId, string sourceEntity)
        {
            if (RunNumber(runId, required: false) is not long run) return null;
            using var cmd = Command("SELECT ordinal, inclusive, byte_offset, line, file_length, file_ticks FROM source_positions WHERE run_no = @r AND source_entity = @e");
            Add(cmd, "@r", run);
            Add(cmd, "@e", sourceEntity);
            using var reader = cmd.ExecuteReader();
            if (!reader.Read()) return null;
            long L(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
            return (new SourcePosition(L(0), L(2), L(3), null, L(1) != 0), new SourceFileStamp(L(4), L(5)));
        }
    }
}
