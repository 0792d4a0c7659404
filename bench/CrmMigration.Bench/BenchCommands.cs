using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;

namespace CrmMigration.Bench
{
    /// <summary>Writes N contacts with 10 fields as CSV (UTF-8, deterministic).</summary>
    [Cmdlet(VerbsCommon.New, "BenchContactCsv")]
    [OutputType(typeof(string))]
    public sealed class NewBenchContactCsvCommand : PSCmdlet
    {
        [Parameter(Mandatory = true)] public string Path { get; set; } = "";
        [Parameter(Mandatory = true)] public int Count { get; set; }

        protected override void ProcessRecord()
        {
            string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            var rnd = new Random(7);
            string[] cities = { "Shanghai", "Beijing", "Paris", "Berlin", "São Paulo", "New York", "Shenzhen", "London" };
            string[] first = { "Wei", "Fang", "Anna", "José", "Zoë", "Li", "Mark", "Łukasz", "Na", "Tom" };
            string[] last = { "Zhang", "Wang", "Müller", "Smith", "Li", "Chen", "García", "Kowalski" };
            using var w = new StreamWriter(full, false, new UTF8Encoding(false), 1 << 16);
            w.Write("contact_id,first_name,last_name,email,phone,city,country,status,created_at,score\n");
            var sb = new StringBuilder(256);
            for (int i = 1; i <= Count; i++)
            {
                string f = first[rnd.Next(first.Length)], l = last[rnd.Next(last.Length)];
                sb.Clear();
                sb.Append("C").Append(i.ToString("D7", CultureInfo.InvariantCulture)).Append(',')
                  .Append(f).Append(',').Append(l).Append(',')
                  .Append(f.ToLowerInvariant()).Append('.').Append(l.ToLowerInvariant()).Append(i.ToString(CultureInfo.InvariantCulture)).Append("@example.com,")
                  .Append("+86 138").Append(rnd.Next(10000000, 99999999).ToString(CultureInfo.InvariantCulture)).Append(',')
                  .Append(cities[rnd.Next(cities.Length)]).Append(',')
                  .Append(rnd.Next(3) == 0 ? "CN" : "FR").Append(',')
                  .Append(rnd.Next(4) == 0 ? "Inactive" : "Active").Append(',')
                  .Append(new DateTime(2015, 1, 1).AddDays(rnd.Next(3650)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(',')
                  .Append(rnd.Next(0, 1000).ToString(CultureInfo.InvariantCulture)).Append('\n');
                w.Write(sb);
            }
            WriteObject(full);
        }
    }

    /// <summary>Emits N small objects: the source of the empty-pipeline floor.</summary>
    [Cmdlet(VerbsCommon.Get, "BenchItem")]
    [OutputType(typeof(object))]
    public sealed class GetBenchItemCommand : PSCmdlet
    {
        [Parameter(Mandatory = true)] public int Count { get; set; }

        protected override void ProcessRecord()
        {
            for (int i = 0; i < Count; i++) WriteObject(new object());
        }
    }

    /// <summary>Passes its input on: the middle of the empty-pipeline floor.</summary>
    [Cmdlet(VerbsCommon.Step, "BenchItem")]
    [OutputType(typeof(object))]
    public sealed class StepBenchItemCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true)] public object? InputObject { get; set; }

        protected override void ProcessRecord() => WriteObject(InputObject);
    }

    /// <summary>Counts its input: the end of the empty-pipeline floor.</summary>
    [Cmdlet(VerbsLifecycle.Complete, "BenchItem")]
    [OutputType(typeof(long))]
    public sealed class CompleteBenchItemCommand : PSCmdlet
    {
        private long _n;

        [Parameter(Mandatory = true, ValueFromPipeline = true)] public object? InputObject { get; set; }

        protected override void ProcessRecord() => _n++;

        protected override void EndProcessing() => WriteObject(_n);
    }

    /// <summary>Parses a CSV file with CsvHelper alone, materialising every field as a string: the raw-parse floor.</summary>
    [Cmdlet(VerbsDiagnostic.Measure, "BenchCsvParse")]
    [OutputType(typeof(string))]
    public sealed class MeasureBenchCsvParseCommand : PSCmdlet
    {
        [Parameter(Mandatory = true)] public string Path { get; set; } = "";

        protected override void ProcessRecord()
        {
            string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            var clock = Stopwatch.StartNew();
            long rows = 0, chars = 0;
            using (var reader = CsvHelper.CsvReader.FromFile(full))
            {
                while (reader.Read())
                {
                    rows++;
                    var row = reader.Current;
                    for (int i = 0; i < row.FieldCount; i++) chars += row[i].ToString().Length;
                }
            }
            WriteObject(string.Create(CultureInfo.InvariantCulture, $"{rows} rows, {chars} chars in {clock.Elapsed.TotalSeconds:F3} s"));
        }
    }
}
