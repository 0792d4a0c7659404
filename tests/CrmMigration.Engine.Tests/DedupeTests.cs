using System;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using CrmMigration.Engine.Dedupe;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using static CrmMigration.Engine.Tests.SqliteTestUtil;

namespace CrmMigration.Engine.Tests
{
    public class DedupeComparatorTests
    {
        [Theory]
        [InlineData("MARTHA", "MARHTA", 0.961)]
        [InlineData("DWAYNE", "DUANE", 0.840)]
        [InlineData("DIXON", "DICKSONX", 0.813)]
        public void JaroWinklerGivesThePublishedValues(string a, string b, double expected)
        {
            Assert.Equal(expected, Comparators.JaroWinkler(a, b), 3);
        }

        [Fact]
        public void LevenshteinCountsEdits()
        {
            Assert.Equal(3, Comparators.Levenshtein("kitten", "sitting"));
            Assert.Equal(0, Comparators.Levenshtein("", ""));
            Assert.Equal(1.0 - 3.0 / 7, Comparators.LevenshteinRatio("kitten", "sitting"), 6);
        }

        [Fact]
        public void TokenSetIgnoresWordOrderAndComparesChineseCharactersOneByOne()
        {
            Assert.Equal(1.0, Comparators.TokenSet("john smith", "smith john"));
            Assert.True(Comparators.TokenSet("jon smith", "john smith") > 0.95);
            Assert.Equal(0.5, Comparators.TokenSet("mary smith", "john smith"), 3);
            Assert.Equal(1.0, Comparators.TokenSet("张伟", "伟 张"));
            Assert.Equal(0.5, Comparators.TokenSet("张伟", "张芳"), 3);
        }

        [Fact]
        public void PhonesAgreeOnTheirLastDigitsWhateverTheFormat()
        {
            string a = Normalizers.PhoneDigits("+86 138-0013-8000"), b = Normalizers.PhoneDigits("0086 13800138000"), c = Normalizers.PhoneDigits("138 0013 8000");
            Assert.Equal(1.0, Comparators.Phone(a, b, 8));
            Assert.Equal(1.0, Comparators.Phone(a, c, 8));
            Assert.Equal("5551234567", Normalizers.PhoneDigits("555.123.4567 x12"));
            Assert.Equal(0.5, Comparators.Phone("13800138000", "13800138001", 8));
            Assert.Equal(0.5, Comparators.Phone("13800138000", "13800183000", 8)); // two digits swapped
            Assert.Equal(0.0, Comparators.Phone("13800138000", "13912345678", 8));
        }

        [Fact]
        public void EmailsAgreeFullyPartlyAtAnotherDomainOrNot()
        {
            Assert.Equal(1.0, Comparators.Email("a.b@x.com", "a.b@x.com"));
            Assert.Equal(0.8, Comparators.Email("a.b@x.com", "a.b@y.com"));
            Assert.Equal(0.0, Comparators.Email("a.b@x.com", "c.d@x.com"));
            Assert.Equal("john@gmail.com", Normalizers.Email(" John@GMIAL.com "));
        }

        [Fact]
        public void NormalisersFoldWhatPeopleTypeDifferently()
        {
            Assert.Equal("jose muller lukasz strasse", Normalizers.Text("José  Müller Łukasz STRAßE"));
            Assert.Equal("john smith", Normalizers.Text("ＪＯＨＮ　ＳＭＩＴＨ"));
            Assert.Equal("acme", Normalizers.CompanySuffix("acme gmbh co kg", new[] { "co kg", "gmbh", "kg", "co" }));
            Assert.Equal("华为科技", Normalizers.CompanySuffix("华为科技有限公司", Normalizers.DefaultCompanySuffixes));
            Assert.Equal("william smith", Normalizers.Nickname("bill smith", Normalizers.DefaultNicknames));
            Assert.Equal("company7.com", Normalizers.Domain("https://www.company7.com/about?x=1"));
        }
    }

    public class DedupeRulesTests
    {
        internal static OrderedDictionary Table(params (string Key, object? Value)[] items)
        {
            var d = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in items) d[k] = v;
            return d;
        }

        internal static OrderedDictionary ContactRules(object? thresholds = null, object? compare = null, object? extra = null)
        {
            var fields = Table(
                ("Name", Table(("Source", new List<object?> { "First", "Last" }), ("Normalize", "Name"), ("Compare", compare ?? "TokenSet"), ("Weight", 3L))),
                ("Email", Table(("Compare", "Email"), ("Weight", 4L))),
                ("Phone", Table(("Compare", "Phone"), ("Weight", 4L))));
            var contact = Table(
                ("Fields", fields),
                ("Blocking", new List<object?> { Table(("Field", "Phone"), ("Method", "Suffix"), ("Length", 8L)), "Email", Table(("Field", "Name"), ("Method", "SortedTokens")) }),
                ("Thresholds", thresholds ?? Table(("Match", 0.75), ("Review", 0.55))));
            if (extra is OrderedDictionary more) foreach (System.Collections.DictionaryEntry e in more) contact[e.Key] = e.Value;
            return Table(("Version", 1L), ("Entities", Table(("Contact", contact))));
        }

        private static string ErrorOf(object tree)
        {
            var ex = Assert.Throws<CrmException>(() => DedupeRulesParser.Parse(tree, "rules.psd1"));
            Assert.Equal("rules.psd1", ex.Error.File);
            return ex.Error.Code;
        }

        [Fact]
        public void BadRulesHaveStableErrorIds()
        {
            Assert.Equal("DedupeRulesUnknownComparator", ErrorOf(ContactRules(compare: "Soundex")));
            Assert.Equal("DedupeRulesThresholdOutOfRange", ErrorOf(ContactRules(thresholds: Table(("Match", 1.5)))));
            Assert.Equal("DedupeRulesThresholdOutOfRange", ErrorOf(ContactRules(thresholds: Table(("Match", 0.6), ("Review", 0.8)))));
            Assert.Equal("DedupeRulesUnknownKey", ErrorOf(ContactRules(extra: Table(("Treshold", 1L)))));
            Assert.Equal("DedupeRulesUnknownSurvivorship", ErrorOf(ContactRules(extra: Table(("Survivorship", Table(("Email", "Newest")))))));
            Assert.Equal("DedupeRulesMissingBy", ErrorOf(ContactRules(extra: Table(("Survivorship", Table(("Email", "MostRecent")))))));
            Assert.Equal("DedupeRulesNoEntities", ErrorOf(Table(("Version", 1L))));
            var blockOnUnknown = ContactRules();
            ((OrderedDictionary)((OrderedDictionary)blockOnUnknown["Entities"]!)["Contact"]!)["Blocking"] = "Zip";
            Assert.Equal("DedupeRulesUnknownField", ErrorOf(blockOnUnknown));
            var json = Assert.Throws<CrmException>(() => DedupeRulesParser.ParseJson("{ \"Entities\": ", "r.json"));
            Assert.Equal("DedupeRulesInvalidJson", json.Error.Code);
        }

        [Fact]
        public void TheSameRulesHaveTheSameHashInJsonAndAsATree()
        {
            var tree = DedupeRulesParser.Parse(ContactRules(), null);
            const string json = @"{ ""Version"": 1, ""Entities"": { ""Contact"": {
                ""Fields"": { ""Name"": { ""Source"": [""First"", ""Last""], ""Normalize"": ""Name"", ""Compare"": ""TokenSet"", ""Weight"": 3 },
                              ""Email"": { ""Compare"": ""Email"", ""Weight"": 4 }, ""Phone"": { ""Compare"": ""Phone"", ""Weight"": 4 } },
                ""Blocking"": [ { ""Field"": ""Phone"", ""Method"": ""Suffix"", ""Length"": 8 }, ""Email"", { ""Field"": ""Name"", ""Method"": ""SortedTokens"" } ],
                ""Thresholds"": { ""Match"": 0.75, ""Review"": 0.55 } } } }";
            Assert.Equal(tree.Hash, DedupeRulesParser.ParseJson(json, null).Hash);
            Assert.NotEqual(tree.Hash, DedupeRulesParser.Parse(ContactRules(thresholds: Table(("Match", 0.8), ("Review", 0.55))), null).Hash);
        }
    }

    public class DedupeEngineTests
    {
        private static readonly CrmFieldShape Shape = new(new[] { "Id", "First", "Last", "Email", "Phone", "Notes", "Updated" });

        private static CrmRecord Contact(string id, string first, string last, string? email, string? phone, string? notes = null, string? updated = null)
        {
            var r = new CrmRecord("Contact", Shape, new object?[] { id, first, last, email, phone, notes, updated })
            {
                Key = new CrmKey(id) { FieldNames = new[] { "Id" } },
                Origin = new CrmOrigin("test", "contacts", id, null, 0),
            };
            return r;
        }

        private static (List<CrmRecord> Out, EntityDeduper Deduper) Run(EntityDedupeRules rules, IEnumerable<CrmRecord> records, DedupeOptions? options = null, IEnumerable<CrmRecord>? existing = null)
        {
            var output = new List<CrmRecord>();
            var deduper = new EntityDeduper("Contact", rules, options ?? new DedupeOptions { KeepGroups = true }, output.Add);
            foreach (var r in records) deduper.Add(r);
            if (existing is not null) foreach (var r in existing) deduper.AddExisting(r);
            deduper.Complete();
            deduper.Dispose();
            return (output, deduper);
        }

        private static EntityDedupeRules Rules(OrderedDictionary? extra = null) => DedupeRulesParser.Parse(DedupeRulesTests.ContactRules(extra: extra), null).For("Contact")!;

        private static CrmRecord? Find(List<CrmRecord> records, string key) => records.Find(r => r.Key?.ToString() == key);

        [Fact]
        public void DuplicatesAreMergedAndEveryRecordGoesOnOnce()
        {
            var input = new[]
            {
                Contact("1", "John", "Smith", "john.smith7@x.com", "+1 555 123 4567"),
                Contact("2", "Smith,", "JOHN", "JOHN.SMITH7@X.COM", "(555) 123-4567"),
                Contact("3", "Mary", "Jones", "mary@y.com", "0086 13800138000"),
                Contact("4", "John", "Smith", "jsmith@z.com", "13912345678"),
            };
            var (output, d) = Run(Rules(), input);
            Assert.Equal(4, output.Count);
            var merged = Assert.Single(output, r => r.Decided is not null);
            Assert.Equal(CrmOutcome.Merged, merged.Decided!.Outcome);
            Assert.Equal("Duplicate", merged.Decided.ReasonCode);
            Assert.Contains(merged.Decided.MergedInto, new[] { "1", "2" });
            Assert.Contains("score", merged.Decided.Message, StringComparison.Ordinal);
            var group = Assert.Single(d.Groups);
            Assert.Equal(new[] { "1", "2" }, new SortedSet<string>(group.Members));
            Assert.Equal(1, d.Summary.Groups);
            Assert.Equal(1, d.Summary.Merged);
            Assert.Equal(2, d.Summary.Unique);
            Assert.True(d.Summary.Balanced);
            Assert.True(d.Summary.CandidatePairs < 6);
            // The other John Smith (another phone and e-mail) stays a customer of his own.
            Assert.Null(Find(output, "4")!.Decided);
            var pair = Assert.Single(group.Pairs);
            double sum = 0;
            foreach (var c in pair.Contributions) sum += c.Contribution;
            Assert.Equal(pair.Score, sum, 3);
        }

        [Fact]
        public void WeakLinksDoNotChainUnrelatedRecords()
        {
            // A and B share an e-mail and the name; B and C share a phone and the name; A and C share only the name.
            var input = new[]
            {
                Contact("A", "Anna", "Meyer", "a.meyer@y.com", null),
                Contact("B", "Anna", "Meyer", "a.meyer@y.com", "13800138000"),
                Contact("C", "Anna", "Meyer", null, "13800138000"),
            };
            var rules = Rules(DedupeRulesTests.Table(("Clustering", DedupeRulesTests.Table(("GroupThreshold", 0.8)))));
            var (output, d) = Run(rules, input);
            var group = Assert.Single(d.Groups);
            Assert.Equal(2, group.Members.Count);
            Assert.NotEmpty(group.Splits);
            Assert.Contains("mean score", group.Splits[0], StringComparison.Ordinal);
            Assert.Equal(1, d.Summary.Splits);
            Assert.Single(output, r => r.Decided is not null);
        }

        [Fact]
        public void TheMaximumGroupSizeSplitsALargeComponentWithAReason()
        {
            var input = new List<CrmRecord>();
            for (int i = 0; i < 5; i++) input.Add(Contact("K" + i, "Lee", "Wang", "lee.wang@x.com", "13800138000"));
            var rules = Rules(DedupeRulesTests.Table(("Clustering", DedupeRulesTests.Table(("MaxGroupSize", 3L)))));
            var (_, d) = Run(rules, input);
            Assert.All(d.Groups, g => Assert.True(g.Members.Count <= 3));
            Assert.Contains(d.Groups, g => System.Linq.Enumerable.Any(g.Splits, s => s.Contains("MaxGroupSize", StringComparison.Ordinal)));
        }

        [Fact]
        public void PeoplesDecisionsOverrideTheScore()
        {
            var input = new[]
            {
                Contact("1", "John", "Smith", "john.smith7@x.com", "15551234567"),
                Contact("2", "John", "Smith", "john.smith7@x.com", "15551234567"),
                Contact("3", "Jon", "Smyth", "jsmyth@q.com", "15551234567"),
            };
            var decisions = new Dictionary<string, bool> { [MergeDecisions.PairKey("1", "2")] = false, [MergeDecisions.PairKey("3", "1")] = true };
            var (output, d) = Run(Rules(), input, new DedupeOptions { KeepGroups = true, Decisions = decisions });
            var group = Assert.Single(d.Groups);
            Assert.Equal(new[] { "1", "3" }, new SortedSet<string>(group.Members));
            Assert.Contains(group.Pairs, p => p.Decision == CrmMatchDecision.HumanMatch);
            Assert.Equal("DuplicateByDecision", Find(output, group.Merged[0])!.Decided!.ReasonCode);
            Assert.Null(Find(output, "2")!.Decided);
            Assert.Equal(2, d.Summary.HumanDecisions);
        }

        [Fact]
        public void SurvivorshipPrefersValuesToEmptyKeepsLosingValuesAndExplains()
        {
            var extra = DedupeRulesTests.Table(
                ("Survivor", "MostComplete"),
                ("Survivorship", DedupeRulesTests.Table(
                    ("Email", DedupeRulesTests.Table(("Rule", "MostRecent"), ("By", "Updated"), ("KeepLosingIn", "Notes"))),
                    ("Phone", "Survivor"))));
            var input = new[]
            {
                Contact("1", "John", "Smith", "john@old.com", "15551234567", "VIP", "2020-01-01"),
                Contact("2", "John", "Smith", "john@new.com", "+1 555 123 4567", null, "2023-05-01"),
            };
            var (output, d) = Run(Rules(extra), input, new DedupeOptions { KeepGroups = true, Explain = true });
            var survivor = Assert.Single(output, r => r.Decided is null);
            Assert.Equal("1", survivor.Key!.ToString()); // the more complete one
            Assert.Equal("john@new.com", survivor["Email"]); // the most recent
            Assert.Equal("15551234567", survivor["Phone"]);
            Assert.Equal("VIP; john@old.com", survivor["Notes"]); // the losing e-mail kept, nothing dropped
            Assert.Contains(survivor.Changes!, c => c.Field == "Email" && c.Transform == "Merge:MostRecent");
            var group = Assert.Single(d.Groups);
            var email = System.Linq.Enumerable.First(group.Fields, f => f.Field == "Email");
            Assert.Equal("2", email.FromKey);
            Assert.Equal(new object?[] { "john@old.com" }, email.LosingValues);
            Assert.Equal("Notes", email.KeptIn);
        }

        [Fact]
        public void SpoolingGivesTheSameResultAsMemory()
        {
            var input = new List<CrmRecord>();
            for (int i = 0; i < 60; i++)
            {
                string phone = "1380013" + (i / 2).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
                input.Add(Contact("P" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture), "N" + (i / 2), "Fam" + (i / 2), null, phone));
            }
            using var dir = new TempDir();
            var (inMemory, a) = Run(Rules(), input);
            var (spooled, b) = Run(Rules(), input, new DedupeOptions { KeepGroups = true, InMemoryLimit = 5, SpoolFolder = dir.Path });
            Assert.Equal(30, a.Summary.Groups);
            Assert.Equal(a.Summary.Merged, b.Summary.Merged);
            var left = new List<string>();
            var right = new List<string>();
            foreach (var r in inMemory) left.Add(r.Key + "|" + r.Decided?.MergedInto + "|" + r["Phone"] + "|" + r.Origin?.SourceKey);
            foreach (var r in spooled) right.Add(r.Key + "|" + r.Decided?.MergedInto + "|" + r["Phone"] + "|" + r.Origin?.SourceKey);
            left.Sort(StringComparer.Ordinal);
            right.Sort(StringComparer.Ordinal);
            Assert.Equal(left, right);
            Assert.Empty(Directory.GetFiles(dir.Path)); // the spool file is gone
        }

        [Fact]
        public void TheScorerGivesBackEveryTextItPackedAndAfterKeepScoresTheKeptRecordsAlike()
        {
            // Notes compared as they are (Trim only): short values are shared, long ones not; Latin-1 text is packed one
            // byte a character, anything else as UTF-16 (Han, a surrogate pair, lone surrogates, C1 controls).
            var tree = DedupeRulesTests.ContactRules();
            var fields = (OrderedDictionary)((OrderedDictionary)((OrderedDictionary)tree["Entities"]!)["Contact"]!)["Fields"]!;
            fields["Raw"] = DedupeRulesTests.Table(("Source", "Notes"), ("Normalize", "Trim"), ("Compare", "Exact"), ("Weight", 1L));
            var rules = DedupeRulesParser.Parse(tree, null).For("Contact")!;
            int raw = rules.Fields.Count - 1;
            Assert.Equal("Raw", rules.Fields[raw].Name);
            string[] texts =
            {
                "plain ascii", "Müller ÿ \u0085 ß", "张伟 有限公司", "emoji \U0001F600 x", "lone \uD800 high", "lone \uDC00 low",
                new string('é', 40), "plain ascii", "a 张 longer than twenty-four characters", "Łódź",
            };
            var scorer = new MatchScorer(rules);
            for (int i = 0; i < texts.Length; i++)
            {
                string id = "K" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                scorer.Add(Contact(id, i % 2 == 0 ? "John" : "Jon", "Smith", i % 3 == 0 ? "john@x.com" : null, "1380013800" + (i % 4).ToString(System.Globalization.CultureInfo.InvariantCulture), texts[i]));
            }
            for (int i = 0; i < texts.Length; i++) Assert.Equal(texts[i], scorer.Value(i, raw));
            var before = new double[texts.Length, texts.Length];
            for (int i = 0; i < texts.Length; i++) for (int j = 0; j < texts.Length; j++) before[i, j] = scorer.Score(i, j);
            var explain = new List<CrmMatchContribution>();
            scorer.Score(0, 7, explain);
            Assert.Equal(1.0, explain[raw].Similarity); // the same text (stored once) compares equal

            var keep = new bool[texts.Length];
            int[] kept = { 1, 2, 3, 7, 8 };
            foreach (int k in kept) keep[k] = true;
            scorer.Keep(keep);
            foreach (int i in kept)
            {
                Assert.Equal(texts[i], scorer.Value(i, raw));
                Assert.Equal("K" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), scorer.KeyOf(i));
                foreach (int j in kept) Assert.Equal(before[i, j], scorer.Score(i, j));
            }
            // A record let go of is never scored by mistake as if it had no values.
            Assert.Throws<InvalidOperationException>(() => scorer.Score(0, 1));
            Assert.Throws<InvalidOperationException>(() => scorer.KeyOf(4));
            Assert.Throws<InvalidOperationException>(() => scorer.Add(Contact("K99", "A", "B", null, null)));
        }

        [Fact]
        public void ARecordAlreadyInTheTargetSurvivesKeepsItsKeyAndIsUpdatedByOneIncomingRecord()
        {
            var existing = Contact("T-1", "John", "Smith", null, "15551234567");
            var incoming = new[]
            {
                Contact("1", "John", "Smith", "john@x.com", "+1 555 123 4567", "VIP"),
                Contact("2", "JOHN", "SMITH", "john@x.com", "(555) 123-4567"),
                Contact("9", "Ann", "Lee", "ann@x.com", "13800000000"),
            };
            var (output, d) = Run(Rules(), incoming, existing: new[] { existing });
            var survivor = Assert.Single(output, r => r.Key?.ToString() == "T-1");
            Assert.Equal("john@x.com", survivor["Email"]); // the target record takes the incoming value it lacked
            Assert.Equal("1", survivor.Origin!.SourceKey); // carried by the best incoming record: it updates T-1
            Assert.Null(Find(output, "1"));
            Assert.Equal("T-1", Find(output, "2")!.Decided!.MergedInto);
            Assert.Equal(1, d.Summary.TargetUpdates);
            Assert.Equal(1, d.Summary.Merged);
            Assert.Equal(1, d.Summary.TargetRecords);
            Assert.True(d.Summary.Balanced);
            Assert.Equal(3, output.Count); // one per incoming record: the update, the merged one, the unique one
        }

        [Fact]
        public void MissingSourceFieldsStopWithAStableId()
        {
            var rules = Rules();
            var bad = new CrmRecord("Contact", new CrmFieldShape(new[] { "Id", "Name" }), new object?[] { "1", "x" }) { Key = new CrmKey("1") };
            var d = new EntityDeduper("Contact", rules, new DedupeOptions(), _ => { });
            var ex = Assert.Throws<CrmException>(() => d.Add(bad));
            Assert.Equal("DedupeRulesUnknownSourceField", ex.Error.Code);
        }
    }

    public class DedupeImportTests
    {
        private static readonly CrmFieldShape AccountShape = new(new[] { "Id", "Name" });

        private static CrmRecord Account(string id, string name) => new("Account", AccountShape, new object?[] { id, name })
        {
            Key = new CrmKey(id) { FieldNames = new[] { "Id" } },
            Origin = new CrmOrigin("legacy", "accounts", id, null, 0),
        };

        private static CrmRecord ContactOf(string id, string account)
        {
            var shape = new CrmFieldShape(new[] { "Id", "AccountId" }).WithReferences(new[] { new CrmReference(new[] { "AccountId" }, "Account") });
            return new CrmRecord("Contact", shape, new object?[] { id, account })
            {
                Key = new CrmKey(id) { FieldNames = new[] { "Id" } },
                Origin = new CrmOrigin("legacy", "contacts", id, null, 0),
            };
        }

        private static CrmRecord Merged(CrmRecord r, string survivor)
        {
            var copy = r.Clone();
            copy.Decided = new CrmRecordOutcome("Account", r.Key!.ToString(), CrmOutcome.Merged) { ReasonCode = "Duplicate", MergedInto = survivor, Origin = r.Origin };
            return copy;
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void ChildrenOfAMergedParentArePointedAtTheSurvivorAndTheBooksBalance(bool withLedger)
        {
            using var dir = new TempDir();
            string db = dir.File("new.db");
            using var ledger = withLedger ? new MigrationLedger(dir.File("ledger.sqlite")) : null;
            using var target = Provider(db);
            var results = new List<ImportResult>();
            using (var session = new ImportSession(target, new ImportOptions { CreateIfMissing = true, Ledger = ledger, BatchSize = 2 }))
            {
                session.Add(Account("A1", "Acme"), results);
                var dup = Merged(Account("A2", "ACME"), "A1");
                session.AddDecided("Account", dup, dup.Decided!, results);
                session.Add(ContactOf("C1", "A2"), results);
                session.Add(ContactOf("C2", "A1"), results);
                var summaries = session.Complete(results);
                var account = summaries[0].Entity == "Account" ? summaries[0] : summaries[1];
                Assert.Equal(2, account.Read);
                Assert.Equal(1, account.Merged);
                Assert.Equal(1, account.Inserted);
                Assert.True(account.Balanced);
            }
            Assert.Equal("A1", Scalar(db, "SELECT AccountId FROM Contact WHERE Id = 'C1'"));
            Assert.Equal(0L, Count(db, "SELECT COUNT(*) FROM Account WHERE Id = 'A2'"));
            if (ledger is not null)
            {
                Assert.Equal("A1", ledger.TranslateKeys("Account", new[] { "A2" })["A2"]);
                var merged = ledger.MergedKeys(target.Connection.DisplayName, "Account");
                Assert.Equal("A1", merged["A2"]);
                var record = Assert.Single(ledger.Records(null, "Account", "A2", CrmOutcome.Merged, null));
                Assert.Equal("A1", record.TargetKey);
            }
        }

        [Fact]
        public void DecisionsAreRememberedAndTheNewestWins()
        {
            using var dir = new TempDir();
            using var ledger = new MigrationLedger(dir.File("l.sqlite"));
            Assert.Equal(2, ledger.RecordDecisions(new[] { new MergeDecision("Contact", "P2", "P1", true, null), new MergeDecision("Contact", "P3", "P4", false, "two people") }, "review.csv"));
            Assert.Equal(0, ledger.RecordDecisions(new[] { new MergeDecision("Contact", "P1", "P2", true, null) }, "review.csv")); // the same decision again
            Assert.Equal(1, ledger.RecordDecisions(new[] { new MergeDecision("contact", "P1", "P2", false, null) }, "review2.csv"));
            var all = ledger.Decisions();
            Assert.Equal(2, all.Count);
            var map = MergeDecisions.ForEntity(all, "CONTACT");
            Assert.False(map[MergeDecisions.PairKey("P2", "P1")]);
            Assert.False(map[MergeDecisions.PairKey("P4", "P3")]);
        }
    }
}
