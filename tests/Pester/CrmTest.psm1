# Helpers shared by the Pester tests. Every test file starts with:
#
#   BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }
#
# The module under test is the BUILT layout (out/CrmMigration/<version>/), as a user imports it.
# Database tests use the real PostgreSQL and MariaDB of scripts/dbservers.sh (CRM_PG_* / CRM_MY_*;
# started here when they are not set) and check results with the servers' own clients (psql, mariadb,
# sqlite3), not with the module that wrote them.
Set-StrictMode -Version 3.0

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-CrmTestRepoRoot { $script:RepoRoot }

function Get-CrmTestManifest {
    # The built module's manifest: $env:CRM_MODULE_MANIFEST (build.ps1 sets it), else out/CrmMigration/<version>.
    if ($env:CRM_MODULE_MANIFEST) { return $env:CRM_MODULE_MANIFEST }
    $version = (Import-PowerShellDataFile (Join-Path $script:RepoRoot 'CrmMigration.psd1')).ModuleVersion
    $m = Join-Path $script:RepoRoot "out/CrmMigration/$version/CrmMigration.psd1"
    if (-not (Test-Path $m)) { throw "The module is not built ($m). Run: dotnet pwsh ./build.ps1" }
    return $m
}

function Import-CrmTestModule {
    # Imports the built module into the caller's session (global scope, as a user's Import-Module does).
    # Ledgers of server targets go to the user's state folder: the test run's own, never the machine user's.
    if (-not $env:CRMMIGRATION_STATE_HOME) { $env:CRMMIGRATION_STATE_HOME = Join-Path ([IO.Path]::GetTempPath()) ('crm-state-' + [Guid]::NewGuid().ToString('N')) }
    Import-Module (Get-CrmTestManifest) -Global -ErrorAction Stop
}

function Get-CrmTestPwsh {
    # The command line that starts a fresh pwsh like the one running the tests ('dotnet pwsh.dll' for the .NET tool).
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

function Start-CrmTestChild {
    <#
    Starts a script in a fresh pwsh with the built module imported and the working directory set, and returns
    at once. The child writes its own process id ($PID: the process that runs the script, not a launcher) to
    PidFile before anything else, so Stop-CrmTestChild can kill exactly it. Wait-CrmTestChild collects the result.
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string] $WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath,
        [switch] $NoImport,
        [hashtable] $Environment = @{}
    )
    $pwsh = @(Get-CrmTestPwsh)
    $id = [Guid]::NewGuid().ToString('N')
    $file = Join-Path ([IO.Path]::GetTempPath()) "crmtest-$id.ps1"
    $pidFile = Join-Path ([IO.Path]::GetTempPath()) "crmtest-$id.pid"
    $prelude = "[IO.File]::WriteAllText('$($pidFile -replace "'", "''")', [string]`$PID)`n`$ErrorActionPreference = 'Stop'`n"
    if (-not $NoImport) { $prelude += "Import-Module '$((Get-CrmTestManifest) -replace "'", "''")' -ErrorAction Stop`n" }
    Set-Content -LiteralPath $file -Value ($prelude + $Script) -Encoding utf8
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in ($pwsh | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
    foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
    $psi.WorkingDirectory = $WorkingDirectory
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    # Output read by tests, not people: plain text (pwsh colours table headers and errors even when redirected).
    $psi.Environment['NO_COLOR'] = '1'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    $p = [Diagnostics.Process]::Start($psi)
    [pscustomobject]@{
        Process    = $p
        OutTask    = $p.StandardOutput.ReadToEndAsync()
        ErrTask    = $p.StandardError.ReadToEndAsync()
        PidFile    = $pidFile
        ScriptFile = $file
    }
}

function Wait-CrmTestChild {
    # Waits for a child from Start-CrmTestChild (throws after -TimeoutSeconds) and returns ExitCode, Output (stdout lines), Error (stderr text).
    param([Parameter(Mandatory, ValueFromPipeline)] $Child, [int] $TimeoutSeconds = 300)
    process {
        try {
            if (-not $Child.Process.WaitForExit($TimeoutSeconds * 1000)) {
                Stop-CrmTestChild $Child
                throw "The child pwsh did not finish within $TimeoutSeconds s. stderr: $($Child.ErrTask.Result)"
            }
            $Child.Process.WaitForExit()
            [pscustomobject]@{
                ExitCode = $Child.Process.ExitCode
                Output   = @($Child.OutTask.Result -split "`r?`n" | Where-Object { $_ -ne '' })
                Error    = $Child.ErrTask.Result
            }
        }
        finally {
            Remove-Item -LiteralPath $Child.ScriptFile, $Child.PidFile -ErrorAction Ignore
            $Child.Process.Dispose()
        }
    }
}

function Get-CrmTestChildPid {
    # The process id the child wrote (waits for it up to -TimeoutSeconds); $null when the child exited first.
    param([Parameter(Mandatory)] $Child, [int] $TimeoutSeconds = 60)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while ($clock.Elapsed.TotalSeconds -lt $TimeoutSeconds) {
        $text = if (Test-Path -LiteralPath $Child.PidFile) { (Get-Content -LiteralPath $Child.PidFile -Raw -ErrorAction Ignore) } else { $null }
        if ($text -and $text.Trim()) { return [int]$text.Trim() }
        if ($Child.Process.HasExited) { return $null }
        Start-Sleep -Milliseconds 20
    }
    throw "The child pwsh wrote no process id within $TimeoutSeconds s."
}

function Stop-CrmTestChild {
    # Kills (SIGKILL) the process that runs the child's script, by the id it wrote, then its launcher if still there.
    param([Parameter(Mandatory)] $Child)
    $id = Get-CrmTestChildPid $Child -TimeoutSeconds 5
    if ($id) {
        $p = Get-Process -Id $id -ErrorAction Ignore
        if ($p) { $p.Kill(); $p.WaitForExit() }
    }
    if (-not $Child.Process.HasExited) { $Child.Process.Kill($true) }
    $Child.Process.WaitForExit()
}

function Stop-CrmTestRunAfterRows {
    <#
    Runs ScriptBlock in a runspace of its own, as at a prompt (its first argument is the built module's manifest, then
    ArgumentList), waits until the SQLite database Database holds at least Rows rows in Table (polling every 50 ms, for at
    most TimeoutSeconds, or until the script ends by itself), then stops it as Ctrl+C stops a pipeline. Returns Landed
    (the rows last counted), Completed (whether the script had ended before it was stopped), State (the invocation state
    after Stop()), StopSeconds (how long Stop() took) and Errors (the script's error stream), for the test to judge.
    #>
    param(
        [Parameter(Mandatory)] [scriptblock] $ScriptBlock,
        [object[]] $ArgumentList = @(),
        [Parameter(Mandatory)] [string] $Database,
        [Parameter(Mandatory)] [string] $Table,
        [Parameter(Mandatory)] [int] $Rows,
        [int] $TimeoutSeconds = 60
    )
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddScript($ScriptBlock.ToString()).AddArgument((Get-CrmTestManifest))
        foreach ($a in $ArgumentList) { $null = $ps.AddArgument($a) }
        $async = $ps.BeginInvoke()
        $landed = 0
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        $exists = "select count(*) from sqlite_master where name = '$($Table -replace "'", "''")'"
        $count = 'select count(*) from "' + ($Table -replace '"', '""') + '"'
        while ($landed -lt $Rows -and [DateTime]::UtcNow -lt $deadline -and -not $async.IsCompleted) {
            Start-Sleep -Milliseconds 50
            if (Test-Path -LiteralPath $Database) {
                $landed = [int](Invoke-CrmTestSql -Kind Sqlite -Database $Database -Sql $exists)
                if ($landed) { $landed = [int](Invoke-CrmTestSql -Kind Sqlite -Database $Database -Sql $count) }
            }
        }
        $completed = $async.IsCompleted
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $clock.Stop()
        [pscustomobject]@{
            Landed      = $landed
            Completed   = $completed
            State       = $ps.InvocationStateInfo.State
            StopSeconds = $clock.Elapsed.TotalSeconds
            Errors      = @($ps.Streams.Error)
        }
    }
    finally { $ps.Dispose() }
}

function Invoke-CrmTestChild {
    <#
    Runs a script in a fresh pwsh with the built module imported and the working directory set.
    Returns an object with ExitCode, Output (stdout lines) and Error (stderr text).
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string] $WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath,
        [switch] $NoImport,
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 300
    )
    Start-CrmTestChild -Script $Script -WorkingDirectory $WorkingDirectory -NoImport:$NoImport -Environment $Environment |
        Wait-CrmTestChild -TimeoutSeconds $TimeoutSeconds
}

function New-CrmTestFolder {
    # A fresh, empty folder under the test drive (or the temp folder outside Pester); returns its full path.
    param([string] $Name = [Guid]::NewGuid().ToString('N').Substring(0, 12))
    $drive = Get-PSDrive TestDrive -ErrorAction Ignore
    $root = if ($drive) { $drive.Root } else { [IO.Path]::GetTempPath() }
    (New-Item -ItemType Directory -Force (Join-Path $root $Name)).FullName
}

function Get-CrmTestNuGetPackage {
    <#
    The folder of a package that build/tools.proj downloads (e.g. Pester, or CsvHelper 30.0.1 as another module
    would bring it), restoring build/tools.proj when it is missing.
    #>
    param([Parameter(Mandatory)] [string] $Id, [Parameter(Mandatory)] [string] $Version)
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $dir = Join-Path $packages "$($Id.ToLowerInvariant())/$Version"
    if (-not (Test-Path $dir)) {
        & dotnet restore (Join-Path $script:RepoRoot 'build/tools.proj') -nologo '-v:q' | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "dotnet restore build/tools.proj failed ($LASTEXITCODE)." }
    }
    if (-not (Test-Path $dir)) { throw "$Id $Version is not in build/tools.proj (looked in $dir)." }
    $dir
}

function New-CrmTestPerson {
    <#
    CrmRecord objects of entity 'people' (id, name, amount, born, vip) with values that are hard to keep:
    Chinese with a comma and quotes, a line break and umlauts, a spreadsheet formula, a negative amount.
    Without arguments: the three standard people; with -Id etc.: one person.
    #>
    param([long] $Id, [string] $Name, [decimal] $Amount, [datetime] $Born, [bool] $Vip)
    if (-not $PSBoundParameters.ContainsKey('Id')) {
        New-CrmTestPerson 1 '张伟, "the boss"' 1234.5678 '2024-03-05' $true
        New-CrmTestPerson 2 "Zoë`nMüller" 0.1 '1999-12-31' $false
        New-CrmTestPerson 3 '=HYPERLINK("http://x")' -5 '2000-01-01' $false
        return
    }
    $r = [CrmMigration.CrmRecord]::new('people')
    $r['id'] = $Id; $r['name'] = $Name; $r['amount'] = $Amount; $r['born'] = $Born; $r['vip'] = $Vip
    $r.Key = [CrmMigration.CrmKey]::new([string]$Id)
    $r
}

function Initialize-CrmTestDbServers {
    # CRM_PG_* and CRM_MY_*: from the environment, or from scripts/dbservers.sh (which starts the servers).
    if ($env:CRM_PG_HOST -and $env:CRM_MY_HOST) { return }
    $script = Join-Path $script:RepoRoot 'scripts/dbservers.sh'
    & bash $script start | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "scripts/dbservers.sh start failed ($LASTEXITCODE)." }
    foreach ($line in (& bash $script env)) {
        if ($line -match "^export (\w+)='?(.*?)'?$") { Set-Item "env:$($Matches[1])" $Matches[2] }
    }
}

function Get-CrmTestCredential {
    param([ValidateSet('PostgreSql', 'MySql')] [string] $Kind)
    Initialize-CrmTestDbServers
    $pre = if ($Kind -eq 'PostgreSql') { 'CRM_PG' } else { 'CRM_MY' }
    $user = (Get-Item "env:${pre}_USER").Value
    $password = ConvertTo-SecureString (Get-Item "env:${pre}_PASSWORD").Value -AsPlainText -Force
    [pscredential]::new($user, $password)
}

function New-CrmTestDatabase {
    <#
    Creates a fresh, uniquely named database on the PostgreSQL or MariaDB test server and returns an object
    with Kind, Name, Server, Port, Credential and Connection (a CrmConnection; -Profile passes a profile).
    Remove it with Remove-CrmTestDatabase.
    #>
    param(
        [Parameter(Mandatory)] [ValidateSet('PostgreSql', 'MySql')] [string] $Kind,
        [string] $Profile
    )
    Initialize-CrmTestDbServers
    $name = 'crm_p_' + [Guid]::NewGuid().ToString('N').Substring(0, 12)
    if ($Kind -eq 'PostgreSql') {
        Invoke-CrmTestSql -Kind PostgreSql -Database postgres -Sql "CREATE DATABASE $name" | Out-Null
        $server = $env:CRM_PG_HOST; $port = [int]$env:CRM_PG_PORT
    }
    else {
        Invoke-CrmTestSql -Kind MySql -Database '' -Sql "CREATE DATABASE $name CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" | Out-Null
        $server = $env:CRM_MY_HOST; $port = [int]$env:CRM_MY_PORT
    }
    $cred = Get-CrmTestCredential -Kind $Kind
    $connArgs = @{ Provider = $Kind; Server = $server; Port = $port; Database = $name; Credential = $cred }
    if ($Profile) { $connArgs.Profile = $Profile }
    [pscustomobject]@{
        Kind       = $Kind
        Name       = $name
        Server     = $server
        Port       = $port
        Credential = $cred
        Connection = New-CrmConnection @connArgs
    }
}

function Remove-CrmTestDatabase {
    param([Parameter(ValueFromPipeline)] $Database)
    process {
        if ($null -eq $Database) { return }
        if ($Database.Kind -eq 'PostgreSql') {
            Invoke-CrmTestSql -Kind PostgreSql -Database postgres -Sql "DROP DATABASE IF EXISTS $($Database.Name) WITH (FORCE)" | Out-Null
        }
        else {
            Invoke-CrmTestSql -Kind MySql -Database '' -Sql "DROP DATABASE IF EXISTS $($Database.Name)" | Out-Null
        }
    }
}

function Invoke-CrmTestSql {
    <#
    Runs SQL with the server's own command-line client and returns the rows as tab-separated lines
    (psql -At with a tab separator; mariadb -N -B). -Database: a database name or an object from
    New-CrmTestDatabase. For SQLite, -Database is the file and sqlite3 runs the SQL.
    #>
    param(
        [Parameter(Mandatory)] [ValidateSet('PostgreSql', 'MySql', 'Sqlite')] [string] $Kind,
        [Parameter(Mandatory)] [AllowEmptyString()] $Database,
        [Parameter(Mandatory)] [string] $Sql
    )
    $db = if ($Database -is [string]) { $Database } else { $Database.Name }
    switch ($Kind) {
        'PostgreSql' {
            Initialize-CrmTestDbServers
            $env:PGPASSWORD = $env:CRM_PG_PASSWORD
            try { $out = $Sql | & psql -X -q -v ON_ERROR_STOP=1 -h $env:CRM_PG_HOST -p $env:CRM_PG_PORT -U $env:CRM_PG_USER -d $db -At -F "`t" 2>&1 }
            finally { Remove-Item env:PGPASSWORD -ErrorAction Ignore }
        }
        'MySql' {
            Initialize-CrmTestDbServers
            $dbArgs = if ($db) { @('-D', $db) } else { @() }
            $out = $Sql | & mariadb --no-defaults -h $env:CRM_MY_HOST -P $env:CRM_MY_PORT -u $env:CRM_MY_USER "-p$env:CRM_MY_PASSWORD" @dbArgs -N -B 2>&1
        }
        'Sqlite' {
            # A busy timeout: a test may read a database another runspace is still writing.
            $out = $Sql | & sqlite3 -batch -cmd '.timeout 10000' -separator "`t" $db 2>&1
        }
    }
    if ($LASTEXITCODE -ne 0) { throw "$Kind SQL failed ($LASTEXITCODE): $($out -join "`n")`nSQL: $Sql" }
    @($out | ForEach-Object { "$_" })
}

function New-CrmTestCsv {
    <#
    Writes a CSV file byte for byte as given (lines joined with -NewLine, -Encoding as named, optional BOM),
    the way another tool would have written it, not the way our writer writes.
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [AllowEmptyString()] [string[]] $Line,
        [string] $NewLine = "`r`n",
        [string] $Encoding = 'utf-8',
        [switch] $Bom,
        [switch] $NoFinalNewLine
    )
    $text = ($Line -join $NewLine) + $(if ($NoFinalNewLine) { '' } else { $NewLine })
    [Text.Encoding]::RegisterProvider([Text.CodePagesEncodingProvider]::Instance)
    $enc = [Text.Encoding]::GetEncoding($Encoding)
    $bytes = [Collections.Generic.List[byte]]::new()
    if ($Bom) { $bytes.AddRange($enc.GetPreamble()) }
    $bytes.AddRange($enc.GetBytes($text))
    # Relative to the PowerShell location (.NET would take the process's working directory).
    $Path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $dir = Split-Path -Parent $Path
    if ($dir) { New-Item -ItemType Directory -Force $dir | Out-Null }
    [IO.File]::WriteAllBytes($Path, $bytes.ToArray())
    Get-Item -LiteralPath $Path
}

function Invoke-CrmTestBrowser {
    <#
    Opens an HTML file in headless Chromium (Debian's package; scripts/browser.sh installs it and a CJK font when
    missing), with a fresh profile and no background traffic. Returns Dom (the document after load, serialized),
    Text (the page's visible text, tags removed and entities decoded, whitespace collapsed) and Screenshot (the
    PNG written, when -Screenshot is given).
    #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [string] $Screenshot,
        [int] $Width = 1280,
        [int] $Height = 1600
    )
    & bash (Join-Path $script:RepoRoot 'scripts/browser.sh') install
    if ($LASTEXITCODE -ne 0) { throw "scripts/browser.sh install failed ($LASTEXITCODE)." }
    $url = [Uri]::new((Resolve-Path -LiteralPath $Path).ProviderPath).AbsoluteUri
    $run = {
        param([string[]] $Extra)
        $profileDir = Join-Path ([IO.Path]::GetTempPath()) ('crmtest-chromium-' + [Guid]::NewGuid().ToString('N'))
        try {
            $arguments = @('120', 'chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--no-first-run', "--user-data-dir=$profileDir",
                "--window-size=$Width,$Height", '--hide-scrollbars') + $Extra + @($url)
            $out = & timeout @arguments 2>$null
            if ($LASTEXITCODE -ne 0) { throw "chromium failed ($LASTEXITCODE) on $url." }
            $out
        }
        finally { Remove-Item -LiteralPath $profileDir -Recurse -Force -ErrorAction Ignore }
    }
    if ($Screenshot) {
        & $run @("--screenshot=$Screenshot") | Out-Null
        if (-not (Test-Path -LiteralPath $Screenshot)) { throw "chromium wrote no screenshot to $Screenshot." }
    }
    $dom = (& $run @('--dump-dom')) -join "`n"
    $body = $dom -replace '(?s)<head>.*?</head>', '' -replace '(?s)<style[^>]*>.*?</style>', '' -replace '<[^>]+>', ' '
    [pscustomobject]@{
        Dom        = $dom
        Text       = ([Net.WebUtility]::HtmlDecode($body) -replace '\s+', ' ').Trim()
        Screenshot = $Screenshot
    }
}

function Get-CrmTestExcelRows {
    <#
    Reads a worksheet back with MiniExcel (a different library from the ClosedXML that writes reports), restored
    from NuGet by build/tools.proj. Returns one array of cell values per row, header row included.
    #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Sheet)
    if (-not ('MiniExcelLibs.MiniExcel' -as [type])) {
        Add-Type -Path (Join-Path (Get-CrmTestNuGetPackage -Id MiniExcel -Version 1.46.0) 'lib/net8.0/MiniExcel.dll')
    }
    foreach ($row in [MiniExcelLibs.MiniExcel]::Query($Path, $false, $Sheet)) {
        , @($row.Values)
    }
}

function New-CrmTestMappingSchema {
    <#
    Two CSV systems in the current folder for the mapping cmdlets: ./src (contacts.csv with snake_case columns,
    an unused 'fax') and ./tgt (Contact and Account, typed and keyed by CSVW metadata sidecars as our writer
    would leave them, with a 'Segment' no source field matches and an Account no source entity matches).
    #>
    New-CrmTestCsv ./src/contacts.csv -NewLine "`n" -Line @(
        'id,full_name,e_mail,tel,born,status,fax'
        '1,Wei Zhang,wei@qq.com,138 0013 8000,2024-03-05,A,'
        '2,Ann Lee,ann@example.com,,1990-01-02,I,') | Out-Null
    New-CrmTestCsv ./tgt/Contact.csv -NewLine "`n" -Line 'Id,FullName,Email,Phone,Born,Status,Segment' | Out-Null
    New-CrmTestCsv ./tgt/Contact.csv-metadata.json -NewLine "`n" -NoFinalNewLine -Line (
        '{"url":"Contact.csv","tableSchema":{"columns":[{"name":"Id","datatype":"Integer"},{"name":"FullName","datatype":"String"},' +
        '{"name":"Email","datatype":"String"},{"name":"Phone","datatype":"String"},{"name":"Born","datatype":"Date"},' +
        '{"name":"Status","datatype":"String"},{"name":"Segment","datatype":"String"}],"primaryKey":["Id"]}}') | Out-Null
    New-CrmTestCsv ./tgt/Account.csv -NewLine "`n" -Line 'AccountCode,Name' | Out-Null
    New-CrmTestCsv ./tgt/Account.csv-metadata.json -NewLine "`n" -NoFinalNewLine -Line (
        '{"url":"Account.csv","tableSchema":{"columns":[{"name":"AccountCode","datatype":"String"},{"name":"Name","datatype":"String"}],"primaryKey":["AccountCode"]}}') | Out-Null
}

function Invoke-CrmTestCapture {
    <#
    Runs script text in a PowerShell instance of its own (a new runspace with the built module imported, at the
    current location, with -Variable set) and returns every stream: Output, Error, Warning, Verbose, Progress,
    Information, Terminating (the error that stopped it, or $null), and Text: all of it as one string (objects,
    their properties, error messages, exceptions, target objects, details, warnings, verbose and progress
    text), for checks that nothing shown anywhere contains a secret. Several scripts run one after the other in
    the same runspace, as commands typed at a prompt (each its own pipeline); OutputByCommand keeps each one's
    output apart, and the first terminating error stops the rest.
    #>
    param([Parameter(Mandatory)] [string[]] $Script, [hashtable] $Variable = @{})
    $ps = [powershell]::Create()
    try {
        $null = $ps.AddScript("Import-Module '$((Get-CrmTestManifest) -replace "'", "''")' -ErrorAction Stop; Set-Location -LiteralPath '$(((Get-Location -PSProvider FileSystem).ProviderPath) -replace "'", "''")'").Invoke()
        foreach ($k in $Variable.Keys) { $ps.Runspace.SessionStateProxy.SetVariable($k, $Variable[$k]) }
        $output = [Collections.Generic.List[object]]::new()
        $byCommand = [Collections.Generic.List[object]]::new()
        $terminating = $null
        foreach ($command in $Script) {
            $ps.Commands.Clear()
            $null = $ps.AddScript($command)
            $these = [Collections.Generic.List[object]]::new()
            try { foreach ($o in $ps.Invoke()) { $these.Add($o); $output.Add($o) } }
            catch { $terminating = if ($_.Exception.InnerException -is [System.Management.Automation.IContainsErrorRecord]) { $_.Exception.InnerException.ErrorRecord } else { $_ } }
            $byCommand.Add($these.ToArray())
            if ($terminating) { break }
        }
        $errors = @($ps.Streams.Error) + @($terminating | Where-Object { $_ })
        $text = [Collections.Generic.List[string]]::new()
        foreach ($o in $output) {
            $text.Add([string]$o)
            if ($null -ne $o) { foreach ($p in $o.psobject.Properties) { try { $text.Add("$($p.Name)=$($p.Value)") } catch { } } }
        }
        foreach ($e in $errors) {
            $text.Add([string]$e); $text.Add([string]$e.Exception); $text.Add($e.FullyQualifiedErrorId)
            $text.Add([string]$e.TargetObject); if ($e.ErrorDetails) { $text.Add($e.ErrorDetails.Message) }
        }
        foreach ($w in $ps.Streams.Warning) { $text.Add($w.Message) }
        foreach ($v in $ps.Streams.Verbose) { $text.Add($v.Message) }
        foreach ($p in $ps.Streams.Progress) { $text.Add($p.Activity + ' ' + $p.StatusDescription + ' ' + $p.CurrentOperation) }
        foreach ($i in $ps.Streams.Information) { $text.Add([string]$i.MessageData) }
        [pscustomobject]@{
            Output          = $output.ToArray()
            OutputByCommand = $byCommand.ToArray()
            Error           = @($ps.Streams.Error)
            Warning         = @($ps.Streams.Warning)
            Verbose         = @($ps.Streams.Verbose)
            Progress        = @($ps.Streams.Progress)
            Information     = @($ps.Streams.Information)
            Terminating     = $terminating
            Text            = $text -join "`n"
        }
    }
    finally { $ps.Dispose() }
}

function Get-CrmTestDocExample {
    <#
    The examples of the help pages (docs/en-US/<Verb-Noun>.md, '### Example N: title' under '## EXAMPLES') as
    objects: Name ('Import-CrmData #2'), Key ('Import-CrmData: <title>', stable when examples are added), Page,
    Number, Title, Commands (what a user types: each 'PS> ' line of a
    transcript with its '>>' continuation lines, or the whole block of a script as one), Code (the commands as one
    script) and Shown (the output lines a transcript shows after its last command).
    #>
    param([string] $Path = (Join-Path $script:RepoRoot 'docs/en-US'))
    foreach ($file in Get-ChildItem -LiteralPath $Path -Filter '*-*.md' | Sort-Object Name) {
        $page = $file.BaseName
        $lines = Get-Content -LiteralPath $file.FullName
        $inExamples = $false; $current = $null; $inCode = $false; $block = $null
        foreach ($line in $lines) {
            if ($line -match '^## ') { $inExamples = $line -match '^## EXAMPLES'; continue }
            if (-not $inExamples) { continue }
            if ($line -match '^### Example (\d+):\s*(.*)$') { $current = @{ Number = [int]$Matches[1]; Title = $Matches[2] }; continue }
            if ($null -eq $current) { continue }
            if (-not $inCode -and $line -match '^```') { $inCode = $true; $block = [Collections.Generic.List[string]]::new(); continue }
            if ($inCode -and $line -match '^```') {
                $inCode = $false
                $transcript = @($block | Where-Object { $_.StartsWith('PS> ') }).Count -gt 0
                $commands = [Collections.Generic.List[string]]::new(); $shown = [Collections.Generic.List[string]]::new()
                foreach ($b in $block) {
                    if (-not $transcript) { if ($commands.Count -eq 0) { $commands.Add($b) } else { $commands[0] += "`n" + $b } }
                    elseif ($b.StartsWith('PS> ')) { $commands.Add($b.Substring(4)); $shown.Clear() }
                    elseif ($b.StartsWith('>>')) { $commands[$commands.Count - 1] += "`n" + $b.Substring(2) }
                    elseif ($b.StartsWith('# ')) { $commands.Add($b) }     # a comment between prompts: what happened meanwhile
                    else { $shown.Add($b) }
                }
                [pscustomobject]@{
                    Name = "$page #$($current.Number)"; Key = "${page}: $($current.Title)"; Page = $page; Number = $current.Number; Title = $current.Title
                    Commands = @($commands); Code = $commands -join "`n"; Shown = @($shown)
                }
                $current = $null
                continue
            }
            if ($inCode) { $block.Add($line) }
        }
    }
}

function New-CrmTestDecomSource {
    <#
    A small system to decommission: an SQLite file (-Path) with 40 contacts whose values test archives and
    reports: Chinese text with HTML tags, spreadsheet formulas, line breaks, decimals.
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $rows = foreach ($i in 1..40) {
        $r = [CrmMigration.CrmRecord]::new('contacts')
        $r['id'] = [long]$i; $r['name'] = "张伟 <b>$i</b>"; $r['note'] = if ($i % 3) { '=SUM(A1)' } else { "two`nlines" }
        $r['amount'] = [decimal]$i / 8; $r.Key = [CrmMigration.CrmKey]::new([string]$i); $r
    }
    $rows | Import-CrmData -LiteralPath $Path -Create | Out-Null
}

function Get-CrmTestRejectFile {
    # The one reject file named -Name under a -RejectPath folder (each run writes into its own folder under it).
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Name)
    $found = @(Get-ChildItem -LiteralPath $Path -Recurse -File -Filter $Name)
    if ($found.Count -ne 1) { throw "Expected one $Name under $Path, found $($found.Count)." }
    $found[0].FullName
}

function New-CrmTestWorkbook {
    # The OpenXML parts written by hand, as another producer would: shared and inline strings, a date
    # style, a boolean, formulas with and without cached values, a merged range.
    param([Parameter(Mandatory)] [string] $Path, [string] $SheetName = 'Accounts')
    Add-Type -AssemblyName System.IO.Compression
    $Path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    $ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
    $parts = [ordered]@{
        '[Content_Types].xml'        = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        '_rels/.rels'                = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        'xl/workbook.xml'            = "<?xml version=`"1.0`"?><workbook xmlns=`"$ns`" xmlns:r=`"http://schemas.openxmlformats.org/officeDocument/2006/relationships`"><sheets><sheet name=`"$SheetName`" sheetId=`"1`" r:id=`"rId1`"/></sheets></workbook>"
        'xl/_rels/workbook.xml.rels' = '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'
        'xl/sharedStrings.xml'       = "<?xml version=`"1.0`"?><sst xmlns=`"$ns`"><si><t>Id</t></si><si><t>Name</t></si><si><t>Since</t></si><si><t>Total</t></si><si><t>Active</t></si><si><t>Region</t></si><si><t>North</t></si></sst>"
        'xl/styles.xml'              = "<?xml version=`"1.0`"?><styleSheet xmlns=`"$ns`"><cellXfs count=`"2`"><xf numFmtId=`"0`"/><xf numFmtId=`"14`"/></cellXfs></styleSheet>"
        'xl/worksheets/sheet1.xml'   = "<?xml version=`"1.0`"?><worksheet xmlns=`"$ns`"><sheetData>" +
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>' +
        '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>Acme</t></is></c><c r="C2" s="1"><v>43831</v></c><c r="D2"><f>A2*100</f><v>100</v></c><c r="E2" t="b"><v>1</v></c><c r="F2" t="s"><v>6</v></c></row>' +
        '<row r="3"><c r="A3"><v>2</v></c><c r="B3" t="inlineStr"><is><t xml:space="preserve">	</t></is></c><c r="C3" s="1"><v>43832</v></c><c r="D3"><f>A3*100</f></c><c r="E3" t="b"><v>0</v></c></row>' +
        '<row r="4"><c r="A4"><v>3</v></c><c r="B4" t="inlineStr"><is><t>Initech</t></is></c><c r="D4"><f>A4*100</f></c></row>' +
        '</sheetData><mergeCells count="1"><mergeCell ref="F2:F4"/></mergeCells></worksheet>'
    }
    $zip = [IO.Compression.ZipFile]::Open($Path, 'Create')
    try {
        foreach ($k in $parts.Keys) {
            $w = [IO.StreamWriter]::new($zip.CreateEntry($k).Open(), [Text.UTF8Encoding]::new($false))
            try { $w.Write($parts[$k]) } finally { $w.Dispose() }
        }
    }
    finally { $zip.Dispose() }
    Get-Item $Path
}

function New-CrmTestSalesforceReport {
    # A Salesforce report as its "Export Details" CSV writes it: every field quoted, label headers, rows whose
    # trailing empty fields are missing (8 of 14), and the footer lines after a blank line.
    param([Parameter(Mandatory)] [string] $Path)
    $rows = @(
        '"Account ID","Account Name","Billing City","Billing Country","Phone","Website","Industry"'
        '"0015g00000AbC001","Acme","Paris","France","+33 1 23 45 67 89","acme.example","Manufacturing"'
        '"0015g00000AbC002","Globex","Berlin","Germany"'
        '"0015g00000AbC003","Initech","Austin","USA","+1 512 555 0100"'
        '"0015g00000AbC004","Umbrella","London"'
        '"0015g00000AbC005","Stark","New York","USA","+1 212 555 0199","stark.example","Energy"'
        '"0015g00000AbC006","Wayne","Gotham"'
        '"0015g00000AbC007","Hooli","Palo Alto","USA","","hooli.example","Tech"'
        '"0015g00000AbC008","Vandelay","New York"'
        '"0015g00000AbC009","Soylent","Paris","France","+33 1 98 76 54 32","soylent.example","Food"'
        '"0015g00000AbC010","Tyrell","Los Angeles","USA"'
        '"0015g00000AbC011","Cyberdyne","Sunnyvale"'
        '"0015g00000AbC012","Oscorp","New York","USA","+1 212 555 0123","oscorp.example","Biotech"'
        '"0015g00000AbC013","Wonka","Zürich","Switzerland","+41 44 555 01 01","wonka.example","Food"'
        '"0015g00000AbC014","Gringotts","London","UK"'
        ''
        '"Grand Totals (14 records)"'
        ''
        '"Confidential Information - Do Not Distribute"'
        '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."'
    )
    New-CrmTestCsv -Path $Path -Line $rows -Bom
}

function Get-CrmTestErrorId {
    # The error id part of FullyQualifiedErrorId ("DuplicateKey,CrmMigration.Commands.ImportCrmDataCommand" -> "DuplicateKey").
    param([Parameter(ValueFromPipeline)] $ErrorRecord)
    process { if ($ErrorRecord) { $ErrorRecord.FullyQualifiedErrorId.Split(',')[0] } }
}

Export-ModuleMember -Function *-CrmTest*
