using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration.Engine.Reports
{
    /// <summary>
    /// The report's words in English and Chinese (zh-CN): labels, verdicts and finding texts. Record values,
    /// keys, reason codes and messages from the run are data and are never translated. A culture that is
    /// neither falls back to English; every Chinese culture reads zh-CN.
    /// </summary>
    public sealed class ReportText
    {
        private static readonly Dictionary<string, (string En, string Zh)> Table = new(StringComparer.Ordinal)
        {
            ["Title.Migration"] = ("Migration report", "迁移报告"),
            ["Title.Validation"] = ("Migration validation report", "迁移验证报告"),
            ["Title.Decommission"] = ("Decommission report", "系统作废报告"),
            ["Verdict.Passed"] = ("Passed", "通过"),
            ["Verdict.PassedWithWarnings"] = ("Passed with explained warnings", "通过（附已说明的警告）"),
            ["Verdict.Failed"] = ("Failed", "未通过"),
            ["Severity.Info"] = ("Info", "信息"),
            ["Severity.Warning"] = ("Warning", "警告"),
            ["Severity.Fail"] = ("Fail", "失败"),
            ["Section.Summary"] = ("Summary", "摘要"),
            ["Section.Verdict"] = ("Verdict", "结论"),
            ["Section.Findings"] = ("Findings", "发现"),
            ["Section.Books"] = ("Books per entity", "各实体账目"),
            ["Section.Entities"] = ("Entities in detail", "实体明细"),
            ["Section.Reasons"] = ("Rejected and filtered, by reason", "按原因统计的拒绝与过滤"),
            ["Sheet.Reasons"] = ("Reasons", "拒绝与过滤原因"),
            ["Section.Examples"] = ("Examples", "样例"),
            ["Section.Checks"] = ("Validation checks", "验证检查"),
            ["Section.Merges"] = ("Merges", "合并"),
            ["Section.Mapping"] = ("Mapping", "映射"),
            ["Section.Run"] = ("Run details", "运行信息"),
            ["Section.Decommission"] = ("Decommission stages", "作废阶段"),
            ["Section.Inventory"] = ("Inventory", "对象清单"),
            ["Col.Entity"] = ("Entity", "实体"),
            ["Col.Read"] = ("Read", "读取"),
            ["Col.Inserted"] = ("Inserted", "插入"),
            ["Col.Updated"] = ("Updated", "更新"),
            ["Col.Skipped"] = ("Skipped", "跳过"),
            ["Col.Merged"] = ("Merged", "合并"),
            ["Col.Rejected"] = ("Rejected", "拒绝"),
            ["Col.Filtered"] = ("Filtered", "过滤"),
            ["Col.Deleted"] = ("Deleted", "删除"),
            ["Col.Balanced"] = ("Balanced", "平衡"),
            ["Col.Outcome"] = ("Outcome", "结果"),
            ["Col.Reason"] = ("Reason", "原因"),
            ["Col.Count"] = ("Count", "数量"),
            ["Col.Key"] = ("Key", "键"),
            ["Col.Field"] = ("Field", "字段"),
            ["Col.Value"] = ("Value", "值"),
            ["Col.Message"] = ("Message", "消息"),
            ["Col.Check"] = ("Check", "检查"),
            ["Col.Status"] = ("Status", "状态"),
            ["Col.Expected"] = ("Expected", "预期"),
            ["Col.Actual"] = ("Actual", "实际"),
            ["Col.Details"] = ("Details", "详情"),
            ["Col.Samples"] = ("Samples", "样例"),
            ["Col.Differences"] = ("Differences", "差异"),
            ["Col.SourceRows"] = ("Source rows", "源行数"),
            ["Col.TargetRows"] = ("Target rows", "目标行数"),
            ["Col.SourceValue"] = ("Source value", "源值"),
            ["Col.TargetValue"] = ("Target value", "目标值"),
            ["Col.Note"] = ("Note", "说明"),
            ["Col.Survivor"] = ("Survivor", "保留记录"),
            ["Col.Members"] = ("Merged records", "被合并记录"),
            ["Col.Rule"] = ("Rule", "规则"),
            ["Col.Score"] = ("Score", "得分"),
            ["Col.Source"] = ("Source", "源"),
            ["Col.Target"] = ("Target", "目标"),
            ["Col.Type"] = ("Type", "类型"),
            ["Col.Rules"] = ("Transforms and rules", "转换与规则"),
            ["Col.KeyFields"] = ("Key", "键字段"),
            ["Col.Filters"] = ("Conditions", "条件"),
            ["Col.Severity"] = ("Severity", "级别"),
            ["Col.Code"] = ("Code", "代码"),
            ["Col.Text"] = ("What it means", "说明"),
            ["Col.Stage"] = ("Stage", "阶段"),
            ["Col.Attempts"] = ("Attempts", "尝试次数"),
            ["Col.Started"] = ("Started (UTC)", "开始（UTC）"),
            ["Col.Completed"] = ("Completed (UTC)", "完成（UTC）"),
            ["Col.Notes"] = ("Notes", "备注"),
            ["Col.Evidence"] = ("Evidence", "证据"),
            ["Col.Kind"] = ("Kind", "类别"),
            ["Col.Name"] = ("Name", "名称"),
            ["Col.Records"] = ("Records", "记录数"),
            ["Col.ContentHash"] = ("Content hash", "内容哈希"),
            ["Col.RejectFiles"] = ("Reject files", "拒绝文件"),
            ["Col.Item"] = ("Item", "项目"),
            ["Label.Kind"] = ("Report", "报告类型"),
            ["Label.RunId"] = ("Ledger run id", "账本运行 ID"),
            ["Label.Status"] = ("Run status", "运行状态"),
            ["Label.Started"] = ("Started (UTC)", "开始（UTC）"),
            ["Label.Finished"] = ("Finished (UTC)", "结束（UTC）"),
            ["Label.Duration"] = ("Duration", "耗时"),
            ["Label.Throughput"] = ("Throughput (records/s)", "吞吐量（条/秒）"),
            ["Label.TotalRead"] = ("Records read", "读取记录数"),
            ["Label.Attempts"] = ("Attempts (1 + resumes)", "尝试次数（1 + 续跑次数）"),
            ["Label.Operator"] = ("Operator", "操作人"),
            ["Label.Host"] = ("Host", "主机"),
            ["Label.ModuleVersion"] = ("CrmMigration version", "CrmMigration 版本"),
            ["Label.Source"] = ("Source", "源系统"),
            ["Label.Target"] = ("Target", "目标系统"),
            ["Label.MappingHash"] = ("Mapping hash (SHA-256)", "映射哈希（SHA-256）"),
            ["Label.MappingPath"] = ("Mapping file", "映射文件"),
            ["Label.Ledger"] = ("Ledger", "账本"),
            ["Label.Parameters"] = ("Parameters", "参数"),
            ["Label.RejectFolder"] = ("Reject files", "拒绝文件目录"),
            ["Label.Generated"] = ("Generated (UTC)", "生成时间（UTC）"),
            ["Label.Culture"] = ("Language", "语言"),
            ["Label.AuditLog"] = ("Audit log", "审计日志"),
            ["Label.AuditHead"] = ("Audit log head hash (SHA-256)", "审计日志头哈希（SHA-256）"),
            ["Label.AuditLines"] = ("Audit log lines", "审计日志行数"),
            ["Label.AuditChain"] = ("Audit log chain", "审计日志哈希链"),
            ["Label.System"] = ("System", "系统"),
            ["Label.Provider"] = ("Provider", "数据库类型"),
            ["Label.StatePath"] = ("State file", "状态文件"),
            ["Label.ArchivePath"] = ("Final archive", "最终归档"),
            ["Label.ArchiveId"] = ("Archive identifier", "归档标识"),
            ["Label.TagManifest"] = ("Tag manifest SHA-512", "标签清单 SHA-512"),
            ["Label.ArchiveVerified"] = ("Archive verified", "归档已验证"),
            ["Label.RetainUntil"] = ("Retain until", "保留至"),
            ["Label.LegalHold"] = ("Legal hold", "法律保留"),
            ["Label.Exclusions"] = ("Left out of the archive", "未归档对象"),
            ["Label.Yes"] = ("yes", "是"),
            ["Label.No"] = ("no", "否"),
            ["Label.Valid"] = ("intact", "完整"),
            ["Label.Broken"] = ("broken", "已损坏"),
            ["Label.Total"] = ("Total", "合计"),
            ["Label.ExampleCap"] = ("Counts are exact; at most {0:N0} example records are shown per reason.", "数量均为精确值；每个原因最多显示 {0:N0} 条样例记录。"),
            ["Label.MergeCount"] = ("{0:N0} merge groups, {1:N0} records merged into survivors; {2:N0} groups shown.", "{0:N0} 个合并组，{1:N0} 条记录并入保留记录；显示 {2:N0} 组。"),
            ["Label.NoChecks"] = ("No validation results are in this report.", "本报告不含验证结果。"),
            ["Label.NoRejects"] = ("No record was rejected or filtered.", "没有记录被拒绝或过滤。"),
            ["Label.ChartBooks"] = ("Books per entity: where every record went", "各实体账目：每条记录的去向"),
            ["Label.ChartReasons"] = ("Rejects by reason", "按原因统计的拒绝"),
            ["Label.NoMapping"] = ("The mapping's definition was not given; only its hash is known.", "未提供映射定义，仅知其哈希。"),
            ["Label.ValueRedacted"] = ("(not kept: secret)", "（未保留：机密）"),
            ["Find.Passed"] = ("Every record is accounted for and every check passed.", "每条记录均有去向，所有检查均通过。"),
            ["Find.RunFailed"] = ("The run ended with status {0}: it did not complete.", "运行以状态 {0} 结束：未完成。"),
            ["Find.RunIncomplete"] = ("The run has not finished (status {0}): resume it, then report again.", "运行尚未完成（状态 {0}）：请续跑后重新生成报告。"),
            ["Find.BooksUnbalanced"] = ("{0}: the books do not balance: {1:N0} read, {2:N0} accounted for.", "{0}：账目不平衡：读取 {1:N0} 条，已归类 {2:N0} 条。"),
            ["Find.LedgerMismatch"] = ("The ledger's counters and its recorded outcomes disagree: {0}", "账本计数与逐条记录的结果不一致：{0}"),
            ["Find.RecordsRejected"] = ("{0}: {1:N0} records rejected, each with a reason code and listed in the reject files.", "{0}：{1:N0} 条记录被拒绝，每条均有原因代码并写入拒绝文件。"),
            ["Find.RecordsFiltered"] = ("{0}: {1:N0} records left out by the mapping's conditions, each with a reason.", "{0}：{1:N0} 条记录被映射条件排除，每条均有原因。"),
            ["Find.RecordsMerged"] = ("{0}: {1:N0} records merged into survivors.", "{0}：{1:N0} 条记录并入保留记录。"),
            ["Find.CheckFailed"] = ("{0}: check {1} failed: {2}", "{0}：检查 {1} 未通过：{2}"),
            ["Find.CheckWarning"] = ("{0}: check {1} passed with a warning: {2}", "{0}：检查 {1} 通过但有警告：{2}"),
            ["Find.CheckNotCompared"] = ("{0}: check {1} could not compare ({2}): {3}", "{0}：检查 {1} 无法比对（{2}）：{3}"),
            ["Find.NotValidated"] = ("The target was not compared with the source in this report: run Test-CrmMigration and give its results.", "本报告未将目标与源进行比对：请运行 Test-CrmMigration 并提供其结果。"),
            ["Find.NoChecksProduced"] = ("Validation was run but produced no checks: nothing was compared.", "已运行验证，但未产生任何检查：没有进行任何比对。"),
            ["Find.NoRun"] = ("No ledger run is in this report: the books per entity are not shown.", "本报告不含账本运行记录：不显示各实体账目。"),
            ["Find.MappingMismatch"] = ("The mapping given (hash {0}) is not the one the run recorded (hash {1}).", "提供的映射（哈希 {0}）与运行记录的映射（哈希 {1}）不一致。"),
            ["Find.StageUnfinished"] = ("Stage {0} started but did not finish: re-run Disable-CrmSystem to continue.", "阶段 {0} 已开始但未完成：请重新运行 Disable-CrmSystem 以继续。"),
            ["Find.StagesPending"] = ("Stages not run yet: {0}.", "尚未运行的阶段：{0}。"),
            ["Find.DecommissionFindings"] = ("Freeze reported {0:N0} finding(s); acknowledged with -Force: {1}.", "冻结阶段报告了 {0:N0} 项发现；已用 -Force 确认：{1}。"),
            ["Find.ArchiveNotVerified"] = ("The final archive has not been verified.", "最终归档尚未验证。"),
            ["Find.AuditLogBroken"] = ("The audit log's hash chain is broken: {0}", "审计日志的哈希链已损坏：{0}"),
            ["Find.AuditLogMissing"] = ("The audit log {0} is missing.", "审计日志 {0} 不存在。"),
            ["Find.InventoryLeft"] = ("{0:N0} object(s) are neither archived, excluded with a reason, nor destroyed.", "{0:N0} 个对象既未归档、未注明原因排除，也未销毁。"),
        };

        private readonly bool _zh;

        private ReportText(bool zh, CultureInfo format)
        {
            _zh = zh;
            Format = format;
        }

        /// <summary>The language chosen: en or zh-CN.</summary>
        public string Name => _zh ? "zh-CN" : "en";

        /// <summary>The culture numbers are written in (grouping in both languages).</summary>
        public CultureInfo Format { get; }

        /// <summary>The words for a culture: any Chinese culture reads zh-CN, everything else English.</summary>
        public static ReportText For(CultureInfo? culture)
        {
            bool zh = false;
            for (var c = culture; c is not null && !string.IsNullOrEmpty(c.Name); c = c.Parent)
            {
                if (string.Equals(c.TwoLetterISOLanguageName, "zh", StringComparison.OrdinalIgnoreCase)) { zh = true; break; }
                if (ReferenceEquals(c, c.Parent)) break;
            }
            return new ReportText(zh, CultureInfo.GetCultureInfo(zh ? "zh-CN" : "en-US"));
        }

        /// <summary>Every key the table holds (for tests: both languages are complete).</summary>
        public static IEnumerable<string> Keys => Table.Keys;

        /// <summary>The text for a key.</summary>
        public string this[string key]
        {
            get
            {
                if (!Table.TryGetValue(key, out var t)) throw new KeyNotFoundException("No report text '" + key + "'.");
                return _zh ? t.Zh : t.En;
            }
        }

        /// <summary>The text for a key with its arguments formatted in the report's culture.</summary>
        public string F(string key, params object?[] args) => string.Format(Format, this[key], args);

        /// <summary>A number as the report shows it.</summary>
        public string N(long n) => n.ToString("N0", Format);

        /// <summary>Yes or no.</summary>
        public string YesNo(bool b) => this[b ? "Label.Yes" : "Label.No"];

        /// <summary>The column label for an outcome.</summary>
        public string Outcome(CrmOutcome outcome) => this["Col." + outcome.ToString()];

        /// <summary>The verdict in words.</summary>
        public string Verdict(CrmReportVerdict verdict) => this["Verdict." + verdict.ToString()];

        /// <summary>A duration as h:mm:ss.f.</summary>
        public static string Duration(TimeSpan t) =>
            string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}.{t.Milliseconds / 100}");
    }
}
