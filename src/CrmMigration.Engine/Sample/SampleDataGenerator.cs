using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Sample
{
    /// <summary>
    /// Writes a realistic, messy LEGACY CRM through the provider contract (SQLite file, CSV folder...):
    /// accounts, contacts, leads, opportunities, cases and activities in snake_case tables. The data
    /// depends only on the seed and the scale (System.Random(seed), a fixed base date), so the same
    /// seed always gives the same data.
    /// <para>Sizes: contacts = scale, accounts = scale/10 (at least 1), leads = scale/2,
    /// opportunities = scale/4, cases = scale/5, activities = scale.</para>
    /// <para>Mess counted in <see cref="SampleDataResult.Mess"/> (contacts unless named otherwise):
    /// duplicate_contacts (same phone as an earlier contact, name differing in case, spacing or order),
    /// email_mixed_case, email_typo_domain (gmial.com, hotmial.com, yaho.com), email_missing_at, email_blank,
    /// phone_garbage, blank_last_name, chinese_names (first or last name in Han characters),
    /// accented_names (José, Zoë, Müller, Łukasz...), status_nonstandard (anything but Active/Inactive),
    /// created_at_iso / _us / _de / _cn / _utc / _epoch / _blank (contacts.created_at formats),
    /// fullwidth_account_name, fullwidth_contact_notes, orphan_contact_account,
    /// orphan_opportunity_account, orphan_case_contact, orphan_activity_contact, probability_out_of_range.
    /// Leads, accounts and cases carry the same kinds of mess, uncounted.</para>
    /// <para>References (account_id, contact_id) are declared as relations, as the legacy system declared
    /// them, but orphans exist: for SQLite the generator sets the connection option ForeignKeys=off
    /// while it writes and restores it afterwards.</para>
    /// </summary>
    public sealed class SampleDataGenerator
    {
        /// <summary>The fixed "today" of the generated data.</summary>
        public static readonly DateTime BaseDate = new DateTime(2024, 6, 30, 0, 0, 0, DateTimeKind.Unspecified);

        private static readonly string[] WesternFirst = { "John", "Mary", "James", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth", "David", "Susan", "Anna", "Thomas", "Laura", "Peter", "Sarah", "Daniel", "Emma", "Lukas" };
        private static readonly string[] WesternLast = { "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Martin", "Bernard", "Dubois", "Rossi", "Ferrari" };
        private static readonly string[] HanGiven = { "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平" };
        private static readonly string[] PinyinGiven = { "Wei", "Fang", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong", "Yan", "Jie", "Juan", "Tao", "Ming", "Chao", "Xiuying", "Xia", "Ping" };
        private static readonly string[] HanFamily = { "张", "王", "李", "刘", "陈", "杨", "赵", "黄", "周", "吴" };
        private static readonly string[] PinyinFamily = { "Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu" };
        private static readonly string[] AccentedFirst = { "José", "Zoë", "Łukasz", "François", "Søren", "Inés", "Jürgen", "Çağla", "Małgorzata", "Chloé" };
        private static readonly string[] AccentedFirstAscii = { "jose", "zoe", "lukasz", "francois", "soren", "ines", "jurgen", "cagla", "malgorzata", "chloe" };
        private static readonly string[] AccentedLast = { "Müller", "Łukasiewicz", "García", "Núñez", "Šimůnek", "Dvořák", "Østergaard", "Béranger", "Gonçalves", "Köhler" };
        private static readonly string[] AccentedLastAscii = { "muller", "lukasiewicz", "garcia", "nunez", "simunek", "dvorak", "ostergaard", "beranger", "goncalves", "kohler" };
        private static readonly string[] Domains = { "acme.com", "example.com", "gmail.com", "outlook.com", "qq.com", "163.com", "web.de", "yahoo.com" };
        private static readonly string[] TypoDomains = { "gmial.com", "hotmial.com", "yaho.com" };
        private static readonly string[] GarbagePhones = { "n/a", "-", "123", "tbd", "???", "0", "none", "x" };
        private static readonly (string City, int Country)[] Cities =
        {
            ("Beijing", 0), ("Shanghai", 0), ("Shenzhen", 0), ("北京", 0), ("Berlin", 1), ("München", 1), ("Hamburg", 1),
            ("New York", 2), ("Chicago", 2), ("San Francisco", 2), ("London", 3), ("Paris", 4), ("Zürich", 5), ("São Paulo", 6), ("Kraków", 7),
        };
        private static readonly string[][] CountryVariants =
        {
            new[] { "China", "CN", "中国", "PRC", " china" },
            new[] { "Germany", "DE", "Deutschland", "germany" },
            new[] { "USA", "US", "U.S.A.", "United States" },
            new[] { "United Kingdom", "UK", "GB", "England" },
            new[] { "France", "FR", "france" },
            new[] { "Switzerland", "CH", "Schweiz" },
            new[] { "Brazil", "BR", "Brasil" },
            new[] { "Poland", "PL", "Polska" },
        };
        private static readonly string[] CompanyStems = { "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Cyberdyne", "华为科技", "北京星辰", "Müller & Söhne", "Łódź Logistics" };
        private static readonly string[] CompanySuffixes = { "GmbH", "Ltd.", "Inc.", "Co.", "LLC", "有限公司", "AG", "S.A.", "" };
        private static readonly string[] Industries = { "Software", "software", "IT", "Manufacturing", "Retail", "", "Finance", "Healthcare", "FINANCE", "Logistics" };
        private static readonly string[] StatusValues = { "Active", "Inactive", "active", "A", "I", "INACTIVE", " Active ", "1", "" };
        private static readonly string[] LeadSources = { "Web", "web", "Trade Show", "Referral", "Cold Call", "", "Partner", "LinkedIn" };
        private static readonly string[] LeadStatus = { "New", "new", "Contacted", "Qualified", "Unqualified", "Dead", "" };
        private static readonly string[] Stages = { "Prospecting", "Qualification", "Proposal", "Negotiation", "Closed Won", "Closed Lost", "closed won", "Won", "LOST" };
        private static readonly string[] CaseSubjects = { "Cannot log in", "Invoice wrong", "Delivery late", "Product defect", "Password reset", "账单问题", "Rückerstattung", "Feature request" };
        private static readonly string[] Priorities = { "High", "high", "P1", "1", "Medium", "Low", "low", "" };
        private static readonly string[] CaseStatus = { "Open", "Closed", "open", "CLOSED", "Pending", "Resolved", "" };
        private static readonly string[] ActivityTypes = { "Call", "Email", "Meeting", "call", "E-Mail", "Task" };
        private static readonly string[] ActivitySubjects = { "Follow up", "Intro call", "Send quote", "Demo", "Check in", "回访", "Vertrag besprechen" };
        private static readonly string[] Notes = { "", "", "", "VIP", "Call after 5pm", "Prefers e-mail", "Met at fair", "不要打电话", "Bitte auf Deutsch", "see old system" };

        private readonly Random _rng;
        private readonly SampleDataResult _result;
        private readonly int _batchSize;

        private SampleDataGenerator(int seed, int scale, int batchSize)
        {
            _rng = new Random(seed);
            _result = new SampleDataResult(seed, scale);
            _batchSize = batchSize;
        }

        /// <summary>The legacy schema the generator writes (types and keys per table).</summary>
        public static IReadOnlyList<CrmEntitySchema> Schemas()
        {
            return new[]
            {
                Table("accounts", "account_id", null, ("account_id", T.S), ("name", T.S), ("industry", T.S), ("city", T.S), ("country", T.S), ("phone", T.S), ("website", T.S), ("created_at", T.S)),
                Table("contacts", "contact_id", ("account_id", "accounts", "account_id"), ("contact_id", T.S), ("account_id", T.S), ("first_name", T.S), ("last_name", T.S), ("full_name", T.S), ("email", T.S),
                    ("phone", T.S), ("mobile", T.S), ("city", T.S), ("country", T.S), ("status", T.S), ("created_at", T.S), ("birthday", T.S), ("notes", T.S)),
                Table("leads", "lead_id", null, ("lead_id", T.S), ("first_name", T.S), ("last_name", T.S), ("company", T.S), ("email", T.S), ("phone", T.S), ("source", T.S), ("status", T.S), ("created_at", T.S)),
                Table("opportunities", "opportunity_id", ("account_id", "accounts", "account_id"), ("opportunity_id", T.S), ("account_id", T.S), ("name", T.S), ("stage", T.S), ("amount", T.M),
                    ("close_date", T.D), ("probability", T.I)),
                Table("cases", "case_id", ("contact_id", "contacts", "contact_id"), ("case_id", T.S), ("contact_id", T.S), ("subject", T.S), ("priority", T.S), ("status", T.S), ("opened_at", T.S)),
                Table("activities", "activity_id", ("contact_id", "contacts", "contact_id"), ("activity_id", T.S), ("contact_id", T.S), ("type", T.S), ("subject", T.S), ("due_at", T.DT), ("done", T.B)),
            };
        }

        private static class T
        {
            public const CrmFieldType S = CrmFieldType.String, I = CrmFieldType.Integer, M = CrmFieldType.Decimal, D = CrmFieldType.Date, DT = CrmFieldType.DateTime, B = CrmFieldType.Boolean;
        }

        private static CrmEntitySchema Table(string name, string key, (string Field, string Target, string TargetField)? reference, params (string Name, CrmFieldType Type)[] fields)
        {
            var list = new List<CrmFieldSchema>(fields.Length);
            foreach (var (n, t) in fields) list.Add(new CrmFieldSchema(n, t) { IsKey = string.Equals(n, key, StringComparison.Ordinal), Nullable = !string.Equals(n, key, StringComparison.Ordinal) });
            var schema = new CrmEntitySchema(name, list) { Key = new[] { key } };
            if (reference is { } r) schema.Relations = new[] { new CrmRelation(name, new[] { r.Field }, r.Target, new[] { r.TargetField }) };
            return schema;
        }

        /// <summary>
        /// Generates the legacy CRM into <paramref name="target"/>. <paramref name="scale"/> is the
        /// number of contacts. Tables must not already hold the generated keys (write into a new target).
        /// </summary>
        public static SampleDataResult Generate(ICrmProvider target, int seed, int scale, int batchSize = 5000, CancellationToken cancellationToken = default)
        {
            if (target is null) throw new ArgumentNullException(nameof(target));
            if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), "The scale (number of contacts) must be at least 1.");
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
            var started = System.Diagnostics.Stopwatch.StartNew();
            var options = target.Connection.Options;
            bool hadFk = options.TryGetValue("ForeignKeys", out string? oldFk);
            options["ForeignKeys"] = "off";
            try
            {
                var g = new SampleDataGenerator(seed, scale, batchSize);
                g.Run(target, scale, cancellationToken);
                g._result.Elapsed = started.Elapsed;
                return g._result;
            }
            finally
            {
                if (hadFk) options["ForeignKeys"] = oldFk!; else options.Remove("ForeignKeys");
            }
        }

        private void Run(ICrmProvider target, int scale, CancellationToken ct)
        {
            var schemas = Schemas();
            int accounts = Math.Max(1, scale / 10);
            WriteAccounts(target, schemas[0], accounts, ct);
            WriteContacts(target, schemas[1], scale, accounts, ct);
            WriteLeads(target, schemas[2], scale / 2, ct);
            WriteOpportunities(target, schemas[3], scale / 4, accounts, ct);
            WriteCases(target, schemas[4], scale / 5, scale, ct);
            WriteActivities(target, schemas[5], scale, scale, ct);
        }

        // ------------------------------------------------------------------ output

        private sealed class Sink : IDisposable
        {
            private readonly ICrmEntityWriter _writer;
            private readonly List<CrmRecord> _batch;
            private readonly List<CrmRecordOutcome> _outcomes;
            private readonly SampleDataResult _result;
            private readonly CancellationToken _ct;

            public Sink(ICrmProvider target, CrmEntitySchema schema, int batchSize, SampleDataResult result, CancellationToken ct)
            {
                _writer = target.OpenWriter(schema.Name, new CrmWriteOptions { Mode = CrmWriteMode.Insert, CreateIfMissing = true, Schema = schema });
                var names = new string[schema.Fields.Count];
                for (int i = 0; i < names.Length; i++) names[i] = schema.Fields[i].Name;
                Shape = new CrmFieldShape(names);
                Entity = schema.Name;
                _batch = new List<CrmRecord>(batchSize);
                _outcomes = new List<CrmRecordOutcome>(batchSize);
                _result = result;
                _ct = ct;
                result.Counts[Entity] = 0;
            }

            public CrmFieldShape Shape { get; }
            public string Entity { get; }

            public void Add(object?[] values)
            {
                _batch.Add(new CrmRecord(Entity, Shape, values));
                if (_batch.Count == _batch.Capacity) Flush();
            }

            private void Flush()
            {
                if (_batch.Count == 0) return;
                _ct.ThrowIfCancellationRequested();
                _writer.WriteBatch(_batch, _outcomes);
                long inserted = 0, rejected = 0;
                foreach (var o in _outcomes)
                {
                    if (o.Outcome == CrmOutcome.Rejected) rejected++;
                    else inserted++;
                }
                _result.Counts[Entity] += inserted;
                if (rejected > 0)
                {
                    _result.Rejected.TryGetValue(Entity, out long r);
                    _result.Rejected[Entity] = r + rejected;
                }
                _batch.Clear();
                _outcomes.Clear();
            }

            public void Complete()
            {
                Flush();
                _writer.Complete();
            }

            public void Dispose() => _writer.Dispose();
        }

        // ------------------------------------------------------------------ random helpers

        private bool Chance(double p) => _rng.NextDouble() < p;

        private T0 Pick<T0>(T0[] items) => items[_rng.Next(items.Length)];

        /// <summary>The first item, or with probability <paramref name="p"/> one of the others.</summary>
        private string Mostly(string[] variants, double p) => variants.Length > 1 && Chance(p) ? variants[1 + _rng.Next(variants.Length - 1)] : variants[0];

        private static string Id(char prefix, long n, int digits) => prefix + n.ToString("D" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

        private static string FullWidth(string text)
        {
            var chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c >= '!' && c <= '~') chars[i] = (char)(c + 0xFEE0);
                else if (c == ' ') chars[i] = '\u3000';
            }
            return new string(chars);
        }

        /// <summary>A moment before the base date (up to ten years).</summary>
        private DateTime PastMoment() => BaseDate.AddSeconds(-(long)(_rng.NextDouble() * 3650 * 86400));

        /// <summary>A date in one of the legacy formats; returns the format's name.</summary>
        private string LegacyDate(DateTime when, out string format)
        {
            int r = _rng.Next(100);
            if (r < 40) { format = "iso"; return when.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture); }
            if (r < 55) { format = "utc"; return when.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture); }
            if (r < 70) { format = "us"; return when.ToString("MM/dd/yy", CultureInfo.InvariantCulture); }
            if (r < 80) { format = "de"; return when.ToString("d.M.yyyy", CultureInfo.InvariantCulture); }
            if (r < 88) { format = "cn"; return when.ToString("yyyy'年'M'月'd'日'", CultureInfo.InvariantCulture); }
            if (r < 95) { format = "epoch"; return ((long)(when - DateTime.UnixEpoch).TotalSeconds).ToString(CultureInfo.InvariantCulture); }
            format = "blank";
            return "";
        }

        private string Digits(int count)
        {
            Span<char> buf = stackalloc char[count];
            for (int i = 0; i < count; i++) buf[i] = (char)('0' + _rng.Next(10));
            return new string(buf);
        }

        /// <summary>A phone number: its region (0 CN mobile, 1 US, 2 DE Berlin) and national digits; written in one of many formats.</summary>
        private struct PhoneNumber
        {
            public int Region;
            public string National;
        }

        private PhoneNumber NewPhone()
        {
            int r = _rng.Next(10);
            if (r < 4) return new PhoneNumber { Region = 0, National = "1" + (char)('3' + _rng.Next(7)) + Digits(9) };
            if (r < 8) return new PhoneNumber { Region = 1, National = Digits(10) };
            return new PhoneNumber { Region = 2, National = "30" + Digits(7) };
        }

        /// <summary>A phone number in one of many real-world formats.</summary>
        private string Phone() => Render(NewPhone(), -1);

        /// <summary>The number written in format <paramref name="format"/> of its region (-1: any), as people type it.</summary>
        private string Render(PhoneNumber p, int format)
        {
            string n = p.National;
            switch (p.Region)
            {
                case 0:
                    switch (format < 0 ? _rng.Next(4) : format % 4)
                    {
                        case 0: return n.Substring(0, 3) + " " + n.Substring(3, 4) + " " + n.Substring(7);
                        case 1: return "+86 " + n.Substring(0, 3) + "-" + n.Substring(3, 4) + "-" + n.Substring(7);
                        case 2: return "0086 " + n;
                        default: return n;
                    }
                case 1:
                    switch (format < 0 ? _rng.Next(4) : format % 4)
                    {
                        case 0: return "(" + n.Substring(0, 3) + ") " + n.Substring(3, 3) + "-" + n.Substring(6);
                        case 1: return n.Substring(0, 3) + "." + n.Substring(3, 3) + "." + n.Substring(6) + " x" + _rng.Next(1, 100).ToString(CultureInfo.InvariantCulture);
                        case 2: return "+1 " + n.Substring(0, 3) + " " + n.Substring(3, 3) + " " + n.Substring(6);
                        default: return n.Substring(0, 3) + "-" + n.Substring(3, 3) + "-" + n.Substring(6);
                    }
                default:
                    return (format < 0 ? _rng.Next(2) : format % 2) == 0 ? "+49 30 " + n.Substring(2) : "030/" + n.Substring(2);
            }
        }

        /// <summary>The same number in another of its region's formats.</summary>
        private string Reformat(PhoneNumber p, string written)
        {
            for (int attempt = 0; attempt < 8; attempt++)
            {
                string other = Render(p, _rng.Next(4));
                if (!string.Equals(other, written, StringComparison.Ordinal)) return other;
            }
            return written;
        }

        private struct Person
        {
            public string First, Last, Full, EmailLocal;
            public bool Han;
            /// <summary>The accented name part without accents (José → jose), for a duplicate typed on a keyboard without them.</summary>
            public string? Ascii;
            public bool AccentedFirst;
        }

        /// <summary>The part of a person's e-mail address before '@': first.last, often with a number, or initial and last name.</summary>
        private string EmailLocal(string first, string last)
        {
            int r = _rng.Next(20);
            if (r < 12) return first + "." + last + _rng.Next(1, 10000).ToString(CultureInfo.InvariantCulture);
            if (r < 18) return first.Substring(0, 1) + last + _rng.Next(10, 1000).ToString(CultureInfo.InvariantCulture);
            return first + "." + last;
        }

        private Person NewPerson()
        {
            int r = _rng.Next(100);
            if (r < 12)
            {
                int g = _rng.Next(HanGiven.Length), f = _rng.Next(HanFamily.Length);
                return new Person { First = HanGiven[g], Last = HanFamily[f], Full = HanFamily[f] + HanGiven[g], EmailLocal = EmailLocal(PinyinFamily[f].ToLowerInvariant(), PinyinGiven[g].ToLowerInvariant()), Han = true };
            }
            if (r < 20)
            {
                int g = _rng.Next(PinyinGiven.Length), f = _rng.Next(PinyinFamily.Length);
                // Pinyin written family name first, as many Chinese systems store it.
                return new Person { First = PinyinGiven[g], Last = PinyinFamily[f], Full = PinyinFamily[f] + " " + PinyinGiven[g], EmailLocal = EmailLocal(PinyinGiven[g].ToLowerInvariant(), PinyinFamily[f].ToLowerInvariant()) };
            }
            if (r < 30)
            {
                bool accentedFirst = _rng.Next(2) == 0;
                int a = _rng.Next(AccentedFirst.Length), w = _rng.Next(WesternLast.Length);
                string first = accentedFirst ? AccentedFirst[a] : WesternFirst[_rng.Next(WesternFirst.Length)];
                string last = accentedFirst ? WesternLast[w] : AccentedLast[a];
                string local = EmailLocal(accentedFirst ? AccentedFirstAscii[a] : first.ToLowerInvariant(), accentedFirst ? last.ToLowerInvariant() : AccentedLastAscii[a]);
                return new Person { First = first, Last = last, Full = first + " " + last, EmailLocal = local, Ascii = accentedFirst ? AccentedFirstAscii[a] : AccentedLastAscii[a], AccentedFirst = accentedFirst };
            }
            {
                string first = Pick(WesternFirst), last = Pick(WesternLast);
                return new Person { First = first, Last = last, Full = first + " " + last, EmailLocal = EmailLocal(first.ToLowerInvariant(), last.ToLowerInvariant()) };
            }
        }

        private static readonly Dictionary<string, string> Nicknames = new(StringComparer.Ordinal)
        {
            ["William"] = "Bill", ["Robert"] = "Bob", ["Michael"] = "Mike", ["James"] = "Jim", ["Elizabeth"] = "Liz", ["Jennifer"] = "Jen",
            ["Thomas"] = "Tom", ["Daniel"] = "Dan", ["Peter"] = "Pete", ["Patricia"] = "Pat", ["Susan"] = "Sue", ["David"] = "Dave",
        };

        /// <summary>
        /// The same person typed again by someone else: other case, extra spaces, family name first, a typo, a
        /// nickname, full-width letters or the accents left out. <paramref name="how"/> names what changed.
        /// </summary>
        private Person Respell(Person p, List<string> how)
        {
            var q = p;
            int kind = _rng.Next(8);
            if (p.Han && kind >= 4) kind = _rng.Next(4);
            switch (kind)
            {
                case 0:
                    q.Last = p.Last.ToUpperInvariant();
                    q.Full = p.Han ? p.Full + " " : q.Last + "  " + p.First;
                    how.Add("name_case");
                    break;
                case 1:
                    q.First = p.First.ToLowerInvariant();
                    q.Last = p.Last.ToLowerInvariant();
                    q.Full = p.Full.ToLowerInvariant() + (p.Han ? "  " : "");
                    how.Add("name_case");
                    break;
                case 2:
                    q.Full = " " + p.Full.Replace(" ", "   ", StringComparison.Ordinal) + " ";
                    how.Add("name_spacing");
                    break;
                case 3:
                    q.First = p.Last;
                    q.Last = p.First;
                    q.Full = p.Han ? p.Last + " " + p.First : p.Last + ", " + p.First;
                    how.Add("name_swapped");
                    break;
                case 4:
                    if (_rng.Next(2) == 0 && p.Last.Length > 3) q.Last = Typo(p.Last); else q.First = Typo(p.First);
                    q.Full = q.First + " " + q.Last;
                    how.Add("name_typo");
                    break;
                case 5:
                    if (Nicknames.TryGetValue(p.First, out var nick))
                    {
                        q.First = nick;
                        q.Full = nick + " " + p.Last;
                        how.Add("nickname");
                    }
                    else
                    {
                        q.Full = p.First + " " + p.Last;
                        how.Add("name_retyped");
                    }
                    break;
                case 6:
                    q.First = FullWidth(p.First);
                    q.Last = FullWidth(p.Last);
                    q.Full = FullWidth(p.Full);
                    how.Add("name_fullwidth");
                    break;
                default:
                    if (p.Ascii is string ascii)
                    {
                        string plain = char.ToUpperInvariant(ascii[0]) + ascii.Substring(1);
                        if (p.AccentedFirst) q.First = plain; else q.Last = plain;
                        q.Full = q.First + " " + q.Last;
                        how.Add("name_no_accents");
                    }
                    else
                    {
                        q.Full = p.First + " " + p.Last;
                        how.Add("name_retyped");
                    }
                    break;
            }
            return q;
        }

        /// <summary>One typing error: a letter swapped with its neighbour, doubled, dropped or replaced.</summary>
        private string Typo(string word)
        {
            if (word.Length < 3) return word + word[word.Length - 1];
            int i = 1 + _rng.Next(word.Length - 2);
            var chars = new List<char>(word);
            switch (_rng.Next(4))
            {
                case 0: (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]); break;
                case 1: chars.Insert(i, chars[i]); break;
                case 2: chars.RemoveAt(i); break;
                default: chars[i] = (char)('a' + _rng.Next(26)); break;
            }
            string result = new string(chars.ToArray());
            return string.Equals(result, word, StringComparison.Ordinal) ? word + "e" : result;
        }

        private static bool HasHan(string s)
        {
            foreach (char c in s) if (c >= '\u4E00' && c <= '\u9FFF') return true;
            return false;
        }

        private static bool HasAccent(string s)
        {
            foreach (char c in s) if (c >= '\u00C0' && c <= '\u024F') return true;
            return false;
        }

        private static bool HasFullWidth(string s)
        {
            foreach (char c in s) if (c >= '\uFF01' && c <= '\uFF5E') return true;
            return false;
        }

        // ------------------------------------------------------------------ tables

        /// <summary>An account as first written, kept so a duplicate can repeat it.</summary>
        private sealed class AccountIdentity
        {
            public string Key = "", Name = "", Stem = "", Industry = "", Website = "";
            public int City, Country;
            public PhoneNumber Phone;
            public string PhoneText = "";
        }

        private void WriteAccounts(ICrmProvider target, CrmEntitySchema schema, int count, CancellationToken ct)
        {
            using var sink = new Sink(target, schema, _batchSize, _result, ct);
            var pool = new List<AccountIdentity>();
            for (int i = 1; i <= count; i++)
            {
                string key = Id('A', i, 6);
                if (pool.Count > 3 && Chance(0.05))
                {
                    // The same company entered again (another branch office, another sales rep).
                    var o = pool[_rng.Next(pool.Count)];
                    var how = new List<string>();
                    string name = DuplicateCompanyName(o.Name, how);
                    string website = o.Website.Length > 0 && Chance(0.8) ? Website(o.Stem, how) : "";
                    if (website.Length == 0 && o.Website.Length > 0) how.Add("website_missing");
                    string phone = Chance(0.7) ? Reformat(o.Phone, o.PhoneText) : "";
                    how.Add(phone.Length == 0 ? "phone_missing" : "phone_format");
                    if (website.Length == 0 && phone.Length == 0) { phone = o.PhoneText; how.Remove("phone_missing"); how.Add("phone_same"); }
                    _result.AddDuplicate("accounts", key, o.Key, how);
                    _result.AddMess("duplicate_accounts");
                    if (HasFullWidth(name)) _result.AddMess("fullwidth_account_name");
                    var (city2, country2) = Chance(0.9) ? (Cities[o.City].City, o.Country) : Pick(Cities);
                    sink.Add(new object?[]
                    {
                        key, name, Chance(0.8) ? o.Industry : Pick(Industries), city2, Mostly(CountryVariants[country2], 0.3), phone, website, LegacyDate(PastMoment(), out _),
                    });
                    continue;
                }
                var a = new AccountIdentity { Key = key };
                if (Chance(0.01))
                {
                    a.Name = FullWidth("ABC" + _rng.Next(100, 1000).ToString(CultureInfo.InvariantCulture) + " Trading");
                }
                else
                {
                    string suffix = Pick(CompanySuffixes);
                    a.Name = Pick(CompanyStems) + (suffix.Length > 0 ? " " + suffix : "") + (Chance(0.5) ? " " + i.ToString(CultureInfo.InvariantCulture) : "");
                    if (Chance(0.03)) a.Name = "  " + a.Name.ToUpperInvariant();
                }
                if (HasFullWidth(a.Name)) _result.AddMess("fullwidth_account_name");
                int cityIndex = _rng.Next(Cities.Length);
                a.City = cityIndex;
                a.Country = Cities[cityIndex].Country;
                a.Stem = "company" + i.ToString(CultureInfo.InvariantCulture);
                a.Website = _rng.Next(5) == 4 ? "" : Website(a.Stem, null);
                a.Industry = Pick(Industries);
                a.Phone = NewPhone();
                a.PhoneText = Render(a.Phone, -1);
                pool.Add(a);
                sink.Add(new object?[]
                {
                    key, a.Name, a.Industry, Cities[cityIndex].City, Mostly(CountryVariants[a.Country], 0.3), a.PhoneText, a.Website, LegacyDate(PastMoment(), out _),
                });
            }
            sink.Complete();
        }

        private string Website(string stem, List<string>? how)
        {
            how?.Add("website_format");
            return _rng.Next(4) switch
            {
                0 => "www." + stem + ".com",
                1 => "http://" + stem + ".com/",
                2 => "https://www." + stem + ".com",
                _ => stem + ".com",
            };
        }

        /// <summary>A company's name typed again: another legal-form spelling, upper case, full-width, extra spaces.</summary>
        private string DuplicateCompanyName(string name, List<string> how)
        {
            string trimmed = name.Trim();
            switch (_rng.Next(5))
            {
                case 0:
                    how.Add("name_case");
                    return trimmed.ToUpperInvariant();
                case 1:
                    foreach (var (from, to) in new[] { ("GmbH", "GMBH"), ("Ltd.", "Limited"), ("Inc.", "Inc"), ("Co.", "Company"), ("LLC", "L.L.C."), ("有限公司", "公司"), ("AG", "A.G."), ("S.A.", "SA") })
                    {
                        if (trimmed.Contains(from, StringComparison.Ordinal))
                        {
                            how.Add("name_legal_form");
                            return trimmed.Replace(from, to, StringComparison.Ordinal);
                        }
                    }
                    how.Add("name_spacing");
                    return " " + trimmed.Replace(" ", "  ", StringComparison.Ordinal);
                case 2:
                    how.Add("name_fullwidth");
                    return FullWidth(trimmed);
                case 3:
                    how.Add("name_spacing");
                    return trimmed.Replace(" ", "  ", StringComparison.Ordinal) + " ";
                default:
                    how.Add("name_same");
                    return trimmed;
            }
        }

        /// <summary>A contact as first written, kept so a duplicate can repeat it.</summary>
        private sealed class ContactIdentity
        {
            public string Key = "", Domain = "", Email = "";
            public Person Person;
            public PhoneNumber Phone;
            public string PhoneText = "";
            public string? AccountId;
            public int City, Country;
            public string? Birthday;
        }

        private void WriteContacts(ICrmProvider target, CrmEntitySchema schema, int count, int accounts, CancellationToken ct)
        {
            using var sink = new Sink(target, schema, _batchSize, _result, ct);
            var pool = new List<ContactIdentity>();
            var usedEmails = new HashSet<long>();
            const int PoolSize = 4096;
            for (int i = 1; i <= count; i++)
            {
                string key = Id('P', i, 7);
                Person person;
                string phone;
                string email;
                string? accountId;
                int city, country;
                string? birthday;
                ContactIdentity? original = pool.Count > 0 && Chance(0.04) ? pool[_rng.Next(pool.Count)] : null;
                if (original is not null)
                {
                    // The same person entered again: spelled differently, the phone typed in another format or left
                    // out, the e-mail at another domain, in other case or left out; mostly the same city and account.
                    var how = new List<string>();
                    person = Respell(original.Person, how);
                    int p = _rng.Next(100);
                    if (p < 60) { phone = Reformat(original.Phone, original.PhoneText); how.Add("phone_format"); }
                    else if (p < 82) { phone = original.PhoneText; how.Add("phone_same"); }
                    else { phone = ""; how.Add("phone_missing"); }
                    int e = _rng.Next(100);
                    if (e < 45 && original.Email.Length > 0) { email = original.Email; how.Add("email_same"); }
                    else if (e < 70 && original.Email.Length > 0 && OtherDomain(original.Domain) is var other && !usedEmails.Contains(EmailHash(person.EmailLocal, other)))
                    {
                        email = person.EmailLocal + "@" + other;
                        how.Add("email_domain_changed");
                    }
                    else if (e < 82 && original.Email.Length > 0) { email = original.Email.ToUpperInvariant(); how.Add("email_case"); }
                    else if (e < 87 && original.Email.Length > 0) { email = person.EmailLocal + "@" + Pick(TypoDomains); how.Add("email_typo_domain"); }
                    else { email = ""; how.Add("email_missing"); }
                    accountId = Chance(0.8) ? original.AccountId : (Chance(0.5) ? null : Id('A', 1 + _rng.Next(accounts), 6));
                    if (accountId is not null && string.CompareOrdinal(accountId, Id('A', accounts, 6)) > 0) _result.AddMess("orphan_contact_account");
                    city = Chance(0.85) ? original.City : _rng.Next(Cities.Length);
                    country = Cities[city].Country;
                    birthday = Chance(0.5) ? original.Birthday : null;
                    _result.AddDuplicate("contacts", key, original.Key, how);
                    _result.AddMess("duplicate_contacts");
                    CountEmail(email);
                }
                else
                {
                    person = NewPerson();
                    var number = NewPhone();
                    if (Chance(0.01)) { phone = Pick(GarbagePhones); _result.AddMess("phone_garbage"); }
                    else phone = Render(number, -1);
                    string domain = Pick(Domains);
                    // One mailbox, one person: a new person whose address is taken gets a digit more, as a mail provider would insist.
                    while (!usedEmails.Add(EmailHash(person.EmailLocal, domain))) person.EmailLocal += (char)('0' + _rng.Next(10));
                    int e = _rng.Next(100);
                    if (e < 3) { email = ""; _result.AddMess("email_blank"); }
                    else if (e < 5) { email = person.EmailLocal + "." + domain; _result.AddMess("email_missing_at"); }
                    else if (e < 7) { email = person.EmailLocal + "@" + Pick(TypoDomains); _result.AddMess("email_typo_domain"); }
                    else if (e < 12)
                    {
                        var ti = CultureInfo.InvariantCulture.TextInfo;
                        email = ti.ToTitleCase(person.EmailLocal) + "@" + domain.ToUpperInvariant();
                        _result.AddMess("email_mixed_case");
                    }
                    else email = person.EmailLocal + "@" + domain;

                    if (Chance(0.02)) { accountId = Id('A', accounts + 1 + _rng.Next(1000), 6); _result.AddMess("orphan_contact_account"); }
                    else if (Chance(0.03)) accountId = null;
                    else accountId = Id('A', 1 + _rng.Next(accounts), 6);
                    city = _rng.Next(Cities.Length);
                    country = Cities[city].Country;
                    birthday = Chance(0.4) ? null : LegacyDate(BaseDate.AddDays(-_rng.Next(18 * 365, 80 * 365)), out _);
                    var identity = new ContactIdentity
                    {
                        Key = key, Person = person, Phone = number, PhoneText = phone, Email = email.Contains('@', StringComparison.Ordinal) ? email : "",
                        Domain = domain, AccountId = accountId, City = city, Country = country, Birthday = birthday,
                    };
                    if (phone.Length >= 10 || identity.Email.Length > 0)
                    {
                        if (pool.Count < PoolSize) pool.Add(identity);
                        else pool[_rng.Next(PoolSize)] = identity;
                    }
                }
                if (Chance(0.02)) { person.Last = ""; _result.AddMess("blank_last_name"); }
                if (HasHan(person.First) || HasHan(person.Last)) _result.AddMess("chinese_names");
                if (HasAccent(person.First) || HasAccent(person.Last)) _result.AddMess("accented_names");

                string status = StatusValues[_rng.Next(100) < 70 ? _rng.Next(2) : _rng.Next(StatusValues.Length)];
                if (!string.Equals(status, "Active", StringComparison.Ordinal) && !string.Equals(status, "Inactive", StringComparison.Ordinal)) _result.AddMess("status_nonstandard");

                string createdAt = LegacyDate(PastMoment(), out string format);
                _result.AddMess("created_at_" + format);
                string notes = Pick(Notes);
                if (Chance(0.01)) notes = FullWidth("ABC" + _rng.Next(100, 1000).ToString(CultureInfo.InvariantCulture));
                if (HasFullWidth(notes)) _result.AddMess("fullwidth_contact_notes");

                sink.Add(new object?[]
                {
                    key, accountId, person.First, person.Last, person.Full, email, phone, Chance(0.5) ? Phone() : "",
                    Cities[city].City, Mostly(CountryVariants[country], 0.3), status, createdAt, birthday, notes,
                });
            }
            sink.Complete();
        }

        private static long EmailHash(string local, string domain) =>
            (long)System.IO.Hashing.XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(local.ToLowerInvariant() + "@" + domain));

        private string OtherDomain(string domain)
        {
            for (int attempt = 0; attempt < 8; attempt++)
            {
                string d = Pick(Domains);
                if (!string.Equals(d, domain, StringComparison.Ordinal)) return d;
            }
            return "example.org";
        }

        /// <summary>The e-mail mess of a duplicate's address, counted as for any contact.</summary>
        private void CountEmail(string email)
        {
            if (email.Length == 0) { _result.AddMess("email_blank"); return; }
            int at = email.IndexOf('@', StringComparison.Ordinal);
            if (at < 0) { _result.AddMess("email_missing_at"); return; }
            string domain = email.Substring(at + 1);
            foreach (var t in TypoDomains) if (string.Equals(t, domain, StringComparison.OrdinalIgnoreCase)) _result.AddMess("email_typo_domain");
            if (!string.Equals(email, email.ToLowerInvariant(), StringComparison.Ordinal)) _result.AddMess("email_mixed_case");
        }

        private void WriteLeads(ICrmProvider target, CrmEntitySchema schema, int count, CancellationToken ct)
        {
            using var sink = new Sink(target, schema, _batchSize, _result, ct);
            for (int i = 1; i <= count; i++)
            {
                var p = NewPerson();
                string email = _rng.Next(100) switch
                {
                    < 4 => "",
                    < 6 => p.EmailLocal + "@" + Pick(TypoDomains),
                    < 10 => p.EmailLocal.ToUpperInvariant() + "@" + Pick(Domains),
                    _ => p.EmailLocal + "@" + Pick(Domains),
                };
                sink.Add(new object?[]
                {
                    Id('L', i, 7), p.First, Chance(0.03) ? "" : p.Last, Pick(CompanyStems), email, Chance(0.02) ? Pick(GarbagePhones) : Phone(),
                    Pick(LeadSources), Pick(LeadStatus), LegacyDate(PastMoment(), out _),
                });
            }
            sink.Complete();
        }

        private void WriteOpportunities(ICrmProvider target, CrmEntitySchema schema, int count, int accounts, CancellationToken ct)
        {
            using var sink = new Sink(target, schema, _batchSize, _result, ct);
            for (int i = 1; i <= count; i++)
            {
                string accountId;
                if (Chance(0.01)) { accountId = Id('A', accounts + 1 + _rng.Next(1000), 6); _result.AddMess("orphan_opportunity_account"); }
                else accountId = Id('A', 1 + _rng.Next(accounts), 6);
                decimal? amount = Chance(0.03) ? null : Math.Round((decimal)(_rng.NextDouble() * 250000), 2);
                long probability = _rng.Next(11) * 10L;
                if (Chance(0.01)) { probability = Chance(0.5) ? 110 : -10; _result.AddMess("probability_out_of_range"); }
                sink.Add(new object?[]
                {
                    Id('O', i, 7), accountId, Pick(CompanyStems) + " deal " + i.ToString(CultureInfo.InvariantCulture), Pick(Stages), amount,
                    BaseDate.AddDays(_rng.Next(-365, 366)), probability,
                });
            }
            sink.Complete();
        }

        private void WriteCases(ICrmProvider target, CrmEntitySchema schema, int count, int contacts, CancellationToken ct)
        {
            using var sink = new Sink(target, schema, _batchSize, _result, ct);
            for (int i = 1; i <= count; i++)
            {
                string contactId;
                if (Chance(0.01)) { contactId = Id('P', contacts + 1 + _rng.Next(1000), 7); _result.AddMess("orphan_case_contact"); }
                else contactId = Id('P', 1 + _rng.Next(contacts), 7);
                sink.Add(new object?[] { Id('C', i, 7), contactId, Pick(CaseSubjects), Pick(Priorities), Pick(CaseStatus), LegacyDate(PastMoment(), out _) });
            }
            sink.Complete();
        }

        private void WriteActivities(ICrmProvider target, CrmEntitySchema schema, int count, int contacts, CancellationToken ct)
        {
            using var sink = new Sink(target, schema, _batchSize, _result, ct);
            for (int i = 1; i <= count; i++)
            {
                string contactId;
                if (Chance(0.01)) { contactId = Id('P', contacts + 1 + _rng.Next(1000), 7); _result.AddMess("orphan_activity_contact"); }
                else contactId = Id('P', 1 + _rng.Next(contacts), 7);
                DateTime due = BaseDate.AddMinutes(_rng.Next(-525600, 86400));
                sink.Add(new object?[] { Id('T', i, 7), contactId, Pick(ActivityTypes), Pick(ActivitySubjects), due, due < BaseDate ? Chance(0.8) : Chance(0.05) });
            }
            sink.Complete();
        }
    }
}
