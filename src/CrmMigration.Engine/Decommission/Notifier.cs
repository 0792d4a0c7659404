using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Db.Profiles;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace CrmMigration.Engine.Decommission
{
    /// <summary>Settings of the Notify stage (no secret is ever written anywhere but the SMTP session).</summary>
    public sealed class NotifyOptions
    {
        /// <summary>The SMTP server; null: write .eml files and a recipient list instead of sending.</summary>
        public string? SmtpServer { get; set; }
        /// <summary>The SMTP port (default 25; 465 means TLS from the first byte).</summary>
        public int SmtpPort { get; set; } = 25;
        /// <summary>SMTP credentials (AUTH), or null.</summary>
        public NetworkCredential? Credential { get; set; }
        /// <summary>Require TLS (STARTTLS or implicit); without it TLS is used whenever the server offers it.</summary>
        public bool RequireTls { get; set; }
        /// <summary>The sender address.</summary>
        public string From { get; set; } = "crm-decommission@localhost";
        /// <summary>The shutdown date announced.</summary>
        public DateTime? ShutdownDate { get; set; }
        /// <summary>Who to contact (a name or address).</summary>
        public string? Contact { get; set; }
        /// <summary>A template file ("Subject: ..." first line, then the body; {{Name}}, {{System}}, {{ShutdownDate}}, {{ArchivePath}}, {{Contact}}).</summary>
        public string? TemplatePath { get; set; }
    }

    /// <summary>One person to tell.</summary>
    public sealed class NotifyRecipient
    {
        public NotifyRecipient(string name, string address) { Name = name; Address = address; }
        public string Name { get; }
        public string Address { get; }
    }

    /// <summary>
    /// The Notify stage: an announcement rendered from a template to the active users the profile knows, sent
    /// through SMTP (MailKit: STARTTLS or TLS whenever the server offers it) or, without a server, written as
    /// one .eml file per recipient with a recipient list for people (formula-safe CSV).
    /// </summary>
    public static class Notifier
    {
        public const string DefaultTemplate =
            "Subject: {{System}} will be shut down on {{ShutdownDate}}\n" +
            "Dear {{Name}},\n\n" +
            "{{System}} is being decommissioned. From {{ShutdownDate}} it will no longer accept changes, and it will then be switched off.\n" +
            "Its data has been migrated, and a final archive is kept at {{ArchivePath}} for audits.\n\n" +
            "Questions: {{Contact}}.\n";

        /// <summary>The active users with an e-mail address, one per address, as the profile reads them.</summary>
        public static List<NotifyRecipient> Recipients(CrmConnection connection, CancellationToken ct)
        {
            var list = new List<NotifyRecipient>();
            var profile = CrmProfile.ForConnection(connection);
            if (profile?.NotifyEntity is null) return list;
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            using var provider = ProviderFactory.Open(connection);
            foreach (var r in provider.Read(profile.NotifyEntity, new CrmReadOptions(), _ => { }, ct))
            {
                if (profile.NotifyActive is { } active && !Equals(Text(r, active.Column), Convert.ToString(active.Value, CultureInfo.InvariantCulture))) continue;
                string? email = Text(r, profile.NotifyEmailField);
                if (string.IsNullOrWhiteSpace(email) || !MailboxAddress.TryParse(email.Trim(), out _)) continue;
                if (!seen.Add(email.Trim())) continue;
                var name = new StringBuilder();
                foreach (var f in profile.NotifyNameFields) { string? v = Text(r, f); if (!string.IsNullOrWhiteSpace(v)) name.Append(name.Length > 0 ? " " : "").Append(v.Trim()); }
                list.Add(new NotifyRecipient(name.Length > 0 ? name.ToString() : email.Trim(), email.Trim()));
            }
            return list;
        }

        private static string? Text(CrmRecord r, string field) => r.TryGetValue(field, out var v) && v is not null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;

        /// <summary>The (subject, body) for one recipient.</summary>
        public static (string Subject, string Body) Render(string template, NotifyRecipient to, string system, string shutdown, string archive, string contact)
        {
            string text = template.Replace("\r\n", "\n", StringComparison.Ordinal)
                .Replace("{{Name}}", to.Name, StringComparison.Ordinal).Replace("{{System}}", system, StringComparison.Ordinal)
                .Replace("{{ShutdownDate}}", shutdown, StringComparison.Ordinal).Replace("{{ArchivePath}}", archive, StringComparison.Ordinal)
                .Replace("{{Contact}}", contact, StringComparison.Ordinal);
            string subject = "Shutdown of " + system;
            if (text.StartsWith("Subject:", StringComparison.OrdinalIgnoreCase))
            {
                int nl = text.IndexOf('\n');
                subject = (nl < 0 ? text.Substring(8) : text.Substring(8, nl - 8)).Trim();
                text = nl < 0 ? "" : text.Substring(nl + 1);
            }
            return (subject, text);
        }

        /// <summary>Sends (or writes) the announcement; returns what was done.</summary>
        public static StageOutcome Run(CrmConnection connection, NotifyOptions options, string archivePath, string outputFolder, bool plan, CancellationToken ct)
        {
            var o = new StageOutcome();
            var recipients = Recipients(connection, ct);
            if (recipients.Count == 0)
            {
                o.NotApplicable = true;
                o.Actions.Add(CrmProfile.ForConnection(connection)?.NotifyEntity is null
                    ? "nobody to notify: this system has no CRM profile that knows its users (pass -Profile SuiteCRM or Odoo)"
                    : "nobody to notify: the profile found no active user with an e-mail address");
                o.Notes = "Announce the shutdown to the system's users by other means; nothing was sent or written.";
                return o;
            }
            string template = options.TemplatePath is null ? DefaultTemplate : File.ReadAllText(options.TemplatePath);
            string shutdown = (options.ShutdownDate ?? DateTime.UtcNow.Date).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            string contact = string.IsNullOrWhiteSpace(options.Contact) ? options.From : options.Contact!;
            string how = options.SmtpServer is null
                ? $"write one .eml file per recipient and recipients.csv to '{outputFolder}' (no -SmtpServer given: nothing is sent)"
                : $"send through SMTP {options.SmtpServer}:{options.SmtpPort.ToString(CultureInfo.InvariantCulture)} ({(options.RequireTls ? "TLS required" : "TLS whenever the server offers it")}{(options.Credential is null ? "" : ", authenticated")}) from {options.From}";
            if (plan)
            {
                o.Actions.Add($"announce the shutdown on {shutdown} to {recipients.Count} active user(s): {how}");
                return o;
            }
            var messages = new List<(NotifyRecipient To, MimeMessage Message)>();
            foreach (var to in recipients)
            {
                var (subject, body) = Render(template, to, connection.DisplayName, shutdown, archivePath, contact);
                var m = new MimeMessage();
                m.From.Add(MailboxAddress.Parse(options.From));
                m.To.Add(new MailboxAddress(to.Name, to.Address));
                m.Subject = subject;
                m.Date = DateTimeOffset.UtcNow;
                m.Body = new TextPart("plain") { Text = body };
                messages.Add((to, m));
            }
            Directory.CreateDirectory(outputFolder);
            var list = new StringBuilder("Name,Address,Status\r\n");
            if (options.SmtpServer is null)
            {
                int i = 0;
                foreach (var (to, m) in messages)
                {
                    string file = Path.Combine(outputFolder, (++i).ToString("D5", CultureInfo.InvariantCulture) + ".eml");
                    m.WriteTo(file, ct);
                    list.Append(Csv(to.Name)).Append(',').Append(Csv(to.Address)).Append(",Written\r\n");
                }
                o.Actions.Add($"wrote {messages.Count} announcement(s) as .eml files to '{outputFolder}' (not sent: no -SmtpServer)");
            }
            else
            {
                using var smtp = new SmtpClient();
                try
                {
                    smtp.Connect(options.SmtpServer, options.SmtpPort, options.SmtpPort == 465 ? SecureSocketOptions.SslOnConnect : options.RequireTls ? SecureSocketOptions.StartTls : SecureSocketOptions.StartTlsWhenAvailable, ct);
                    if (options.Credential is not null) smtp.Authenticate(options.Credential.UserName, options.Credential.Password, ct);
                    foreach (var (to, m) in messages)
                    {
                        smtp.Send(m, ct);
                        list.Append(Csv(to.Name)).Append(',').Append(Csv(to.Address)).Append(",Sent\r\n");
                    }
                    o.Evidence["smtp.tls"] = smtp.IsSecure ? "yes (" + smtp.SslProtocol + ")" : "no (the server offered none)";
                    smtp.Disconnect(true, ct);
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException or MailKit.CommandException or AuthenticationException or SslHandshakeException)
                {
                    File.WriteAllText(Path.Combine(outputFolder, "recipients.csv"), list.ToString(), new UTF8Encoding(true));
                    throw new CrmException("NotifySendFailed", CrmErrorKind.ConnectionError, $"Sending the announcement through {options.SmtpServer}:{options.SmtpPort.ToString(CultureInfo.InvariantCulture)} failed: {ex.Message} recipients.csv in '{outputFolder}' lists who was sent one.", ex);
                }
                o.Actions.Add($"sent {messages.Count} announcement(s) through {options.SmtpServer}:{options.SmtpPort.ToString(CultureInfo.InvariantCulture)}");
            }
            string listPath = Path.Combine(outputFolder, "recipients.csv");
            File.WriteAllText(listPath, list.ToString(), new UTF8Encoding(true));
            o.Evidence["notify.recipients"] = messages.Count.ToString(CultureInfo.InvariantCulture);
            o.Evidence["notify.recipientList"] = listPath;
            o.Evidence["notify.recipientList.sha256"] = Archive.HashingStream.HashFile(listPath).Sha256;
            o.Evidence["notify.shutdownDate"] = shutdown;
            o.Notes = "The announcement went to the active users the profile knows (one message each); recipients.csv lists them. Users outside the CRM (integrations' owners, customers) are not in it.";
            return o;
        }

        /// <summary>A CSV field for people: quoted, and a leading = + - @ (or tab/CR) neutralised so a spreadsheet never runs it as a formula.</summary>
        internal static string Csv(string value)
        {
            string v = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;
            return "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        }
    }
}
