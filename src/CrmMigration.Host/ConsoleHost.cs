using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace CrmMigration.Host
{
    /// <summary>A non-interactive host: output to stdout, errors and progress to stderr, no prompts.</summary>
    internal sealed class ConsoleHost : PSHost
    {
        private readonly Guid _id = Guid.NewGuid();

        public ConsoleHost() { Ui = new ConsoleUi(); }

        public ConsoleUi Ui { get; }
        public int? ExitCode { get; private set; }
        public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
        public override Guid InstanceId => _id;
        public override string Name => "crmhost";
        public override PSHostUserInterface UI => Ui;
        public override Version Version => typeof(ConsoleHost).Assembly.GetName().Version ?? new Version(0, 1);
        public override void EnterNestedPrompt() => throw new NotSupportedException("crmhost does not support nested prompts.");
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }
        public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    }

    internal sealed class ConsoleUi : PSHostUserInterface
    {
        private readonly RawUi _raw = new RawUi();
        private readonly bool _errIsTerminal = !Console.IsErrorRedirected;
        private DateTime _lastProgress = DateTime.MinValue;
        private bool _progressShown;
        private readonly object _gate = new object();

        public override PSHostRawUserInterface RawUI => _raw;

        public override string ReadLine() => throw Unattended();
        public override SecureString ReadLineAsSecureString() => throw Unattended();
        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw Unattended();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw Unattended();
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw Unattended();
        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw Unattended();

        private static PSInvalidOperationException Unattended() =>
            new PSInvalidOperationException("crmhost runs unattended and cannot prompt. Pass -Confirm:$false, -Force or -Credential instead.");

        private static readonly bool Plain = Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is not null;
        private static readonly System.Text.RegularExpressions.Regex Vt = new System.Text.RegularExpressions.Regex("\u001b\\[[0-9;?]*[A-Za-z]", System.Text.RegularExpressions.RegexOptions.Compiled);

        /// <summary>Colour codes only on a terminal: logs and pipes get plain text.</summary>
        private static string Render(string value) => Plain && value.IndexOf('\u001b') >= 0 ? Vt.Replace(value, "") : value;

        public override bool SupportsVirtualTerminal => !Plain;

        public override void Write(string value) { ClearProgress(); Console.Out.Write(Render(value)); }
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
        public override void WriteLine(string value) { ClearProgress(); Console.Out.WriteLine(Render(value)); }
        public override void WriteErrorLine(string value) { ClearProgress(); Console.Error.WriteLine("ERROR: " + value); }
        public override void WriteDebugLine(string message) { ClearProgress(); Console.Error.WriteLine("DEBUG: " + message); }
        public override void WriteVerboseLine(string message) { ClearProgress(); Console.Error.WriteLine("VERBOSE: " + message); }
        public override void WriteWarningLine(string message) { ClearProgress(); Console.Error.WriteLine("WARNING: " + message); }

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
            lock (_gate)
            {
                if (record.RecordType == ProgressRecordType.Completed)
                {
                    ClearProgress();
                    return;
                }
                var now = DateTime.UtcNow;
                // On a terminal: redraw one line a few times a second. Redirected (CI, logs): a line every 5 s.
                if ((now - _lastProgress).TotalMilliseconds < (_errIsTerminal ? 200 : 5000)) return;
                _lastProgress = now;
                string text = record.Activity + " - " + record.StatusDescription;
                if (_errIsTerminal)
                {
                    int width = Math.Max(20, SafeWidth() - 1);
                    if (text.Length > width) text = text.Substring(0, width);
                    Console.Error.Write("\r" + text.PadRight(width));
                    _progressShown = true;
                }
                else
                {
                    Console.Error.WriteLine("PROGRESS: " + text);
                }
            }
        }

        public void EndProgress() => ClearProgress();

        private void ClearProgress()
        {
            if (!_progressShown) return;
            _progressShown = false;
            Console.Error.Write("\r" + new string(' ', Math.Max(20, SafeWidth() - 1)) + "\r");
        }

        private static int SafeWidth()
        {
            try { return Console.IsErrorRedirected ? 120 : Math.Max(40, Console.WindowWidth); }
            catch (System.IO.IOException) { return 120; }
        }
    }

    internal sealed class RawUi : PSHostRawUserInterface
    {
        private static int Width()
        {
            try { return Console.IsOutputRedirected ? 160 : Math.Max(80, Console.WindowWidth); }
            catch (System.IO.IOException) { return 160; }
        }

        public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
        public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
        public override Size BufferSize { get => new Size(Width(), 9999); set { } }
        public override Coordinates CursorPosition { get; set; }
        public override int CursorSize { get; set; } = 1;
        public override bool KeyAvailable => false;
        public override Size MaxPhysicalWindowSize => new Size(Width(), 9999);
        public override Size MaxWindowSize => new Size(Width(), 9999);
        public override Coordinates WindowPosition { get; set; }
        public override Size WindowSize { get => new Size(Width(), 50); set { } }
        public override string WindowTitle { get; set; } = "crmhost";
        public override void FlushInputBuffer() { }
        public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
        public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("crmhost runs unattended.");
        public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
        public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
        public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
    }
}
