using System;
using System.Globalization;
using System.Text;

namespace CrmMigration
{
    /// <summary>The broad kind of a problem, mapped to a PowerShell error category by the cmdlets.</summary>
    public enum CrmErrorKind
    {
        /// <summary>Input that cannot be parsed (malformed file, broken quoting).</summary>
        InvalidData,
        /// <summary>A value that breaks a rule or cannot be converted.</summary>
        InvalidValue,
        /// <summary>A required thing is missing (field, entity, file).</summary>
        NotFound,
        /// <summary>The target refused a write (constraint, duplicate key).</summary>
        WriteError,
        /// <summary>A connection could not be opened or was lost.</summary>
        ConnectionError,
        /// <summary>A mapping or parameter is wrong.</summary>
        InvalidArgument,
        /// <summary>Someone else holds what is needed (another process works on the same run or target).</summary>
        Busy,
    }

    /// <summary>How much a reported problem matters.</summary>
    public enum CrmErrorSeverity
    {
        /// <summary>Something was refused or lost: a row, a record, a file (a non-terminating error).</summary>
        Error,
        /// <summary>Everything was read, but not as the file says on its face (renamed columns, filled short rows, a guessed encoding): a warning.</summary>
        Warning,
        /// <summary>A note on how the input was read (the encoding chosen and why): verbose output.</summary>
        Information,
    }

    /// <summary>
    /// One problem with one record, file position or field. <see cref="Code"/> is stable and becomes
    /// the error's FullyQualifiedErrorId, so scripts and tests can rely on it.
    /// </summary>
    public sealed class CrmDataError
    {
        /// <summary>Creates an error description.</summary>
        public CrmDataError(string code, CrmErrorKind kind, string message)
        {
            Code = code;
            Kind = kind;
            Message = message;
        }

        /// <summary>Stable PascalCase id, e.g. CsvRaggedRow, RecordTypeConversion.</summary>
        public string Code { get; }
        /// <summary>The kind of problem.</summary>
        public CrmErrorKind Kind { get; }
        /// <summary>What is wrong and what to do.</summary>
        public string Message { get; }
        /// <summary>The entity concerned.</summary>
        public string? Entity { get; set; }
        /// <summary>The file concerned.</summary>
        public string? File { get; set; }
        /// <summary>1-based line in the file; 0 when unknown.</summary>
        public long Line { get; set; }
        /// <summary>1-based record number in the input; 0 when unknown.</summary>
        public long RecordNumber { get; set; }
        /// <summary>The field concerned.</summary>
        public string? Field { get; set; }
        /// <summary>The offending value of <see cref="Field"/>, when known.</summary>
        public object? Value { get; set; }
        /// <summary>The key of the record concerned.</summary>
        public string? Key { get; set; }
        /// <summary>The record concerned, when there is one.</summary>
        public CrmRecord? Record { get; set; }
        /// <summary>The raw input (a CSV line, truncated), when useful.</summary>
        public string? Raw { get; set; }
        /// <summary>Error (the default), or a warning or note a reader reports alongside its records.</summary>
        public CrmErrorSeverity Severity { get; set; }

        /// <summary>The full message with file, line, record and field.</summary>
        public string FullMessage
        {
            get
            {
                var sb = new StringBuilder();
                if (File is not null) sb.Append(File);
                if (Line > 0) sb.Append(sb.Length > 0 ? ":" : "line ").Append(Line.ToString(CultureInfo.InvariantCulture));
                if (RecordNumber > 0) sb.Append(sb.Length > 0 ? " " : "").Append("record ").Append(RecordNumber.ToString(CultureInfo.InvariantCulture));
                if (Entity is not null) sb.Append(sb.Length > 0 ? " " : "").Append(Entity);
                if (Key is not null) sb.Append(" key '").Append(Key).Append('\'');
                if (Field is not null) sb.Append(" field '").Append(Field).Append('\'');
                if (sb.Length > 0) sb.Append(": ");
                sb.Append(Message);
                return sb.ToString();
            }
        }

        /// <inheritdoc/>
        public override string ToString() => Code + ": " + FullMessage;
    }

    /// <summary>An exception that carries a <see cref="CrmDataError"/>.</summary>
    public sealed class CrmException : Exception
    {
        /// <summary>Wraps an error.</summary>
        public CrmException(CrmDataError error, Exception? inner = null) : base(error?.FullMessage, inner)
        {
            Error = error ?? throw new ArgumentNullException(nameof(error));
        }

        /// <summary>Creates an error and its exception.</summary>
        public CrmException(string code, CrmErrorKind kind, string message, Exception? inner = null)
            : this(new CrmDataError(code, kind, message), inner) { }

        /// <summary>The error.</summary>
        public CrmDataError Error { get; }
    }
}
