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
    Import-Module (Get-CrmTestManifest) -Global -ErrorAction Stop
}

function Get-CrmTestPwsh {
    # The command line that starts a fresh pwsh like the one running the tests ('dotnet pwsh.dll' for the .NET tool).
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

function Invoke-CrmTestChild {
    <#
    Runs a script in a fresh pwsh with the built module imported and the working directory set.
    Returns an object with ExitCode, Output (stdout lines) and Error (stderr text).
    #>
    param(
        [Parameter(Mandatory)] [string] $Script,
        [string] $WorkingDirectory = (Get-Location).Path,
        [switch] $NoImport,
        [hashtable] $Environment = @{}
    )
    $pwsh = @(Get-CrmTestPwsh)
    $prelude = if ($NoImport) { '' } else { "Import-Module '$((Get-CrmTestManifest) -replace "'", "''")' -ErrorAction Stop`n" }
    $file = Join-Path ([IO.Path]::GetTempPath()) ("crmtest-" + [Guid]::NewGuid().ToString('N') + '.ps1')
    Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference = 'Stop'`n" + $prelude + $Script) -Encoding utf8
    try {
        $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
        foreach ($a in ($pwsh | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
        $psi.WorkingDirectory = $WorkingDirectory
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
        $p = [Diagnostics.Process]::Start($psi)
        $errTask = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        [pscustomobject]@{
            ExitCode = $p.ExitCode
            Output   = @($out -split "`r?`n" | Where-Object { $_ -ne '' })
            Error    = $errTask.Result
        }
    }
    finally { Remove-Item -LiteralPath $file -ErrorAction Ignore }
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
            $out = $Sql | & sqlite3 -batch -separator "`t" $db 2>&1
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
    $dir = Split-Path -Parent $Path
    if ($dir) { New-Item -ItemType Directory -Force $dir | Out-Null }
    [IO.File]::WriteAllBytes($Path, $bytes.ToArray())
    Get-Item -LiteralPath $Path
}

function Get-CrmTestErrorId {
    # The error id part of FullyQualifiedErrorId ("DuplicateKey,CrmMigration.Commands.ImportCrmDataCommand" -> "DuplicateKey").
    param([Parameter(ValueFromPipeline)] $ErrorRecord)
    process { if ($ErrorRecord) { $ErrorRecord.FullyQualifiedErrorId.Split(',')[0] } }
}

Export-ModuleMember -Function *-CrmTest*
