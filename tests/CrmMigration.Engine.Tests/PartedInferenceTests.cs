using System;
using System.IO;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Batches;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;
using CrmMigration.Engine.Schema;

namespace CrmMigration.Engine.Tests
{
    /// <summary>Types of a big CSV file inferred from its parts read at once are those of one read from the start.</summary>
    [Collection("PartedInference")]
    public sealed class PartedInferenceTests : IDisposable
    {
        private readonly TempDir _dir = new TempDir();
        private readonly long _minPart = PartedInference.MinPartBytes;
        private readonly int _cores = PartedInference.Cores;

        public void Dispose()
        {
            PartedInference.MinPartBytes = _minPart;
            PartedInference.Cores = _cores;
            _dir.Dispose();
        }

        /// <summary>
        /// 40,000 contacts as an export writes them (CRLF, quoted names with commas); the score is an integer until a decimal
        /// near the end, the visit a date until one with a time in the second half, the code an integer but for one text value.
        /// With <paramref name="note"/>, one row in the middle holds a quoted note whose line breaks span 30-70% of the file,
        /// so every split between those points falls inside a value.
        /// </summary>
        private string Write(bool note, bool bom = false)
        {
            const int rows = 40_000;
            var sb = new StringBuilder("Id,Name,Score,Visit,Code,Note\r\n");
            int approx = 0;
            for (int i = 1; i <= rows; i++)
            {
                string score = i == rows - 3 ? "12.375" : (i * 7 % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
                string visit = i == rows * 3 / 4 ? "2024-02-29 13:45:00" : "2024-01-" + (1 + i % 28).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
                string code = i == rows / 3 ? "A17" : (i % 97).ToString(System.Globalization.CultureInfo.InvariantCulture);
                string text = "";
                if (note && i == rows / 2)
                {
                    // about 40% of the file's bytes in one value: 30% to 70%
                    var n = new StringBuilder("\"");
                    while (n.Length < approx * 4 / 5) n.Append("line of a long note, \"\"quoted\"\"\r\n");
                    text = n.Append('"').ToString();
                }
                sb.Append(i).Append(",\"Smith, Ann ").Append(i).Append("\",").Append(score).Append(',').Append(visit).Append(',').Append(code).Append(',').Append(text).Append("\r\n");
                if (i == rows / 2 - 1) approx = sb.Length;
            }
            string path = _dir.File("contacts.csv");
            File.WriteAllText(path, sb.ToString(), new UTF8Encoding(bom));
            return path;
        }

        private static (string Types, long Records) Sequential(CsvProvider csv)
        {
            var inference = new TypeInference();
            foreach (var b in ((ICrmBatchSource)csv).ReadBatches("contacts", new CrmReadOptions(), new BatchReadOptions { BatchSize = 2048 }, _ => { }, CancellationToken.None)) inference.Add(b);
            return Describe(inference, csv);
        }

        private static (string Types, long Records) Describe(TypeInference inference, CsvProvider csv)
        {
            var schema = csv.DescribeEntity("contacts", false)!;
            return (inference.Describe(inference.Apply(schema)), inference.Records);
        }

        [Theory]
        [InlineData(false, 2)]
        [InlineData(true, 2)]
        [InlineData(false, 4)]
        [InlineData(true, 8)]
        public void PartsOfAFile_InferTheTypesOfOneRead(bool bom, int cores)
        {
            PartedInference.Cores = cores;
            string path = Write(note: false, bom);
            PartedInference.MinPartBytes = new FileInfo(path).Length / 8;
            using var csv = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            var parted = PartedInference.Infer(csv, "contacts", new CrmReadOptions(), CancellationToken.None, out int parts, out int counted);
            Assert.NotNull(parted);
            Assert.Equal(Math.Min(cores, 4), parts);
            Assert.Equal(parts, counted);
            var one = Sequential(csv);
            Assert.Equal(one, Describe(parted!, csv));
            Assert.Equal(40_000, one.Records);
            Assert.Contains("Score Decimal", one.Types, StringComparison.Ordinal);
            Assert.Contains("Visit DateTime", one.Types, StringComparison.Ordinal);
            Assert.Contains("Code String", one.Types, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(4)]
        public void ASplitInsideAQuotedValue_DropsThatPart_AndStillReadsEveryRowOnce(int cores)
        {
            PartedInference.Cores = cores;
            string path = Write(note: true);
            PartedInference.MinPartBytes = new FileInfo(path).Length / 8;
            using var csv = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            var parted = PartedInference.Infer(csv, "contacts", new CrmReadOptions(), CancellationToken.None, out int parts, out int counted);
            Assert.NotNull(parted);
            Assert.Equal(cores, parts);
            Assert.Equal(cores - 1, counted); // the split at the middle falls inside the note; those at a quarter and three quarters do not
            var one = Sequential(csv);
            Assert.Equal(one, Describe(parted!, csv));
            Assert.Equal(40_000, one.Records);
        }

        [Fact]
        public void ASmallFile_OrAFilter_OrAnotherEncoding_IsReadInOnePart()
        {
            PartedInference.Cores = 2;
            string path = Write(note: false);
            using var csv = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path));
            PartedInference.MinPartBytes = new FileInfo(path).Length; // one share
            Assert.Null(PartedInference.Infer(csv, "contacts", new CrmReadOptions(), CancellationToken.None));
            PartedInference.MinPartBytes = 1024;
            var filter = new CrmReadOptions { Filters = new[] { new CrmFieldFilter("Code", "3") } };
            Assert.Null(PartedInference.Infer(csv, "contacts", filter, CancellationToken.None));
            using var latin = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, _dir.Path) { Encoding = "latin1" });
            Assert.Null(PartedInference.Infer(latin, "contacts", new CrmReadOptions(), CancellationToken.None));
            PartedInference.Cores = 1;
            Assert.Null(PartedInference.Infer(csv, "contacts", new CrmReadOptions(), CancellationToken.None));
            // The same file, options and sizes with two cores is read in parts: the refusals above are the gates', not the file's.
            PartedInference.Cores = 2;
            Assert.NotNull(PartedInference.Infer(csv, "contacts", new CrmReadOptions(), CancellationToken.None));
        }
    }
}
