using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Base of every CrmMigration cmdlet: Ctrl+C reaches engine loops through a cancellation token,
    /// engine problems become ErrorRecords with stable ids, paths resolve the PowerShell way, and
    /// progress is throttled by time.
    /// </summary>
    public abstract partial class CrmCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _cancel = new CancellationTokenSource();
        private readonly Stopwatch _progressClock = Stopwatch.StartNew();
        private long _lastProgressMs = -1000;
        private bool _disposed;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _cancel.Token;

        /// <inheritdoc/>
        protected override void StopProcessing() => _cancel.Cancel();

        /// <summary>Turns a CrmDataError into a non-terminating error with its code as the error id.</summary>
        protected void WriteCrmError(CrmDataError error, object? target = null)
        {
            WriteError(ToErrorRecord(error, null, target));
        }

        /// <summary>What a reader reports beside its records: an error (non-terminating), a warning, or a verbose note, by its severity.</summary>
        protected void WriteReaderProblem(CrmDataError error)
        {
            switch (error.Severity)
            {
                case CrmErrorSeverity.Warning: WriteWarning(error.FullMessage); break;
                case CrmErrorSeverity.Information: WriteVerbose(error.FullMessage); break;
                default: WriteCrmError(error); break;
            }
        }

        /// <summary>Stops the command with a CrmException's error.</summary>
        protected void ThrowCrm(CrmException ex, object? target = null)
        {
            ThrowTerminatingError(ToErrorRecord(ex.Error, ex, target));
        }

        /// <summary>Builds the ErrorRecord: id = code, category from the kind, target = the record when there is one.</summary>
        protected static ErrorRecord ToErrorRecord(CrmDataError error, Exception? ex, object? target)
        {
            var category = error.Kind switch
            {
                CrmErrorKind.InvalidData => ErrorCategory.InvalidData,
                CrmErrorKind.InvalidValue => ErrorCategory.InvalidData,
                CrmErrorKind.NotFound => ErrorCategory.ObjectNotFound,
                CrmErrorKind.WriteError => ErrorCategory.WriteError,
                CrmErrorKind.ConnectionError => ErrorCategory.ConnectionError,
                CrmErrorKind.Busy => ErrorCategory.ResourceBusy,
                _ => ErrorCategory.InvalidArgument,
            };
            var record = new ErrorRecord(ex ?? new CrmException(error), error.Code, category, target ?? (object?)error.Record ?? error);
            return record;
        }

        /// <summary>Resolves a path from the user (relative to the current location, ~ and PSDrives expanded) to a file-system path; it need not exist.</summary>
        protected string ResolvePath(string path)
        {
            return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        }

        /// <summary>
        /// Resolves -Path (wildcards allowed: they must match exactly one existing item) or -LiteralPath (taken as
        /// written) to a file-system path, relative to the current location. Stops with PathNotFound when
        /// <paramref name="mustExist"/> and nothing is there, PathAmbiguous when a wildcard matches several items.
        /// </summary>
        protected string ResolveUserPath(string path, bool literal, bool mustExist)
        {
            string resolved;
            if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
            {
                var matches = new List<string>();
                try
                {
                    foreach (var m in SessionState.Path.GetResolvedProviderPathFromPSPath(path, out ProviderInfo provider))
                    {
                        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider)) break;
                        matches.Add(m);
                    }
                }
                catch (ItemNotFoundException) { }
                if (matches.Count > 1)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException($"The path '{path}' matches {matches.Count} items ({string.Join(", ", matches.GetRange(0, Math.Min(3, matches.Count)))}{(matches.Count > 3 ? ", ..." : "")}); give one, or use -LiteralPath for a name with wildcard characters."),
                        "PathAmbiguous", ErrorCategory.InvalidArgument, path));
                }
                if (matches.Count == 0)
                {
                    ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"Nothing matches the path '{path}'. Use -LiteralPath for a name with wildcard characters."),
                        "PathNotFound", ErrorCategory.ObjectNotFound, path));
                }
                resolved = matches[0];
            }
            else
            {
                resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            if (mustExist && !File.Exists(resolved) && !Directory.Exists(resolved))
            {
                ThrowTerminatingError(new ErrorRecord(new ItemNotFoundException($"Cannot find '{resolved}': it does not exist."),
                    "PathNotFound", ErrorCategory.ObjectNotFound, path));
            }
            return resolved;
        }

        /// <summary>
        /// The connection a command works on: -Connection as given, or one inferred from -Path / -LiteralPath.
        /// Stops with PathNotFound when <paramref name="mustExist"/> and the path does not exist, and with the
        /// path's own error id when the provider cannot be told.
        /// </summary>
        protected CrmConnection ResolveConnection(CrmConnection? connection, string? path, string? literalPath = null, bool mustExist = false)
        {
            if (connection is not null) return connection;
            string given = literalPath ?? path!;
            string resolved = ResolveUserPath(given, literalPath is not null, mustExist);
            try
            {
                return ConnectionFactory.FromPath(resolved);
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, given);
                throw; // not reached: ThrowCrm always throws
            }
        }

        /// <summary>The provider's entities; what it left out (a profile's optional module tables) becomes one warning each.</summary>
        internal System.Collections.Generic.IReadOnlyList<string> ListEntities(CrmMigration.Engine.Providers.ICrmProvider provider)
        {
            var list = provider.ListEntities();
            foreach (var notice in provider.Notices) WriteWarning(notice);
            return list;
        }

        /// <summary>What ShouldProcess answered, and why.</summary>
        protected enum Consent
        {
            /// <summary>Go ahead and change the system.</summary>
            Yes,
            /// <summary>The user declined at a -Confirm prompt.</summary>
            No,
            /// <summary>-WhatIf (typed, $WhatIfPreference or inherited from a caller): plan, write nothing.</summary>
            WhatIf,
        }

        /// <summary>
        /// Asks ShouldProcess, so -WhatIf, $WhatIfPreference, -Confirm, $ConfirmPreference and values inherited from
        /// a calling function all behave the same, and tells a WhatIf answer from a declined one.
        /// </summary>
        protected Consent Ask(string target, string action)
        {
            string description = $"Performing the operation \"{action}\" on target \"{target}\".";
            string warning = $"Are you sure you want to perform this action?{Environment.NewLine}{description}";
            bool yes = ShouldProcess(description, warning, "Confirm", out ShouldProcessReason reason);
            if (reason == ShouldProcessReason.WhatIf) return Consent.WhatIf;
            return yes ? Consent.Yes : Consent.No;
        }

        /// <summary>
        /// Writes a drafted data file (a mapping, dedupe rules): to -Path / -LiteralPath, in the format its extension
        /// names (<paramref name="textFor"/> gives the text for an extension, or null when the extension is not one
        /// it writes: &lt;prefix&gt;FileType), refusing to overwrite without -Force (&lt;prefix&gt;FileExists), after
        /// ShouldProcess; without a path, the .psd1 text goes to the output.
        /// </summary>
        protected void WriteDraft(string? path, string? literalPath, bool force, string prefix, string typeMessage, string action, Func<string, string?> textFor)
        {
            string? given = literalPath ?? path;
            if (given is null)
            {
                WriteObject(textFor(".psd1"));
                return;
            }
            string full = ResolveUserPath(given, literalPath is not null, mustExist: false);
            string? text = textFor(System.IO.Path.GetExtension(full).ToLowerInvariant());
            if (text is null)
            {
                ThrowCrm(new CrmException(new CrmDataError(prefix + "FileType", CrmErrorKind.InvalidArgument, typeMessage) { File = full }), given);
                return;
            }
            if (File.Exists(full) && !force)
            {
                ThrowCrm(new CrmException(new CrmDataError(prefix + "FileExists", CrmErrorKind.InvalidArgument, $"'{full}' exists; use -Force to overwrite it.") { File = full }), given);
            }
            if (!ShouldProcess(full, action)) return;
            File.WriteAllText(full, text, new System.Text.UTF8Encoding(true));
            WriteObject(new FileInfo(full));
        }

        /// <summary>Opens a provider whose catalog queries, counts, retries and writers stop with this command (Ctrl+C).</summary>
        protected ICrmProvider OpenProvider(CrmConnection connection) => ConnectionFactory.Open(connection, CancellationToken);

        /// <summary>Opens a system to read from, with the command's cancellation; a file source that does not exist stops with SourceNotFound.</summary>
        protected ICrmProvider OpenSourceProvider(CrmConnection connection) => ConnectionFactory.OpenSource(connection, CancellationToken);

        /// <summary>Writes a progress record at most four times a second.</summary>
        protected void WriteThrottledProgress(int activityId, string activity, string status, long count, double elapsedSeconds)
        {
            long now = _progressClock.ElapsedMilliseconds;
            if (now - _lastProgressMs < 250) return;
            _lastProgressMs = now;
            double rate = elapsedSeconds > 0 ? count / elapsedSeconds : 0;
            WriteProgress(new ProgressRecord(activityId, activity, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{status}: {count:N0} records, {rate:N0}/s")));
        }

        /// <summary>Ends a progress bar.</summary>
        protected void CompleteProgress(int activityId, string activity)
        {
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Dispose(true);
            _cancel.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases files and connections (also when the pipeline is stopped).</summary>
        protected virtual void Dispose(bool disposing) { }
    }

    /// <summary>Lets -Connection take a path (string, FileInfo, DirectoryInfo) as well as a connection.</summary>
    public sealed class CrmConnectionTransformationAttribute : ArgumentTransformationAttribute
    {
        /// <inheritdoc/>
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject pso ? pso.BaseObject : inputData;
            string? path = value switch
            {
                string s => s,
                FileSystemInfo fi => fi.FullName,
                _ => null,
            };
            if (path is null) return value;
            string resolved;
            if (value is string && WildcardPattern.ContainsWildcardCharacters(path))
            {
                // A wildcard must name exactly one existing item, as -Path does.
                var matches = engineIntrinsics.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _);
                if (matches.Count != 1) throw new ArgumentException($"The path '{path}' matches {matches.Count} items; give exactly one.");
                resolved = matches[0];
            }
            else
            {
                resolved = engineIntrinsics.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            }
            return ConnectionFactory.FromPath(resolved);
        }
    }
}
