<#
.SYNOPSIS
    Makes the messy twin of the benchmark contacts CSV and a cleansing mapping for it (issue 16: the batch lane on messy data).
.DESCRIPTION
    Reads a contacts CSV made by New-BenchContactCsv (bench/CrmMigration.Bench) and writes a copy in which, by data row number i:
    i % 500 = 250 has an e-mail that is not one (the mapping rejects the row, RecordInvalidEmail: 1 row in 500),
    i % 400 = 100 has status 'Deleted' (the mapping filters it, DeletedInLegacy: 1 in 400),
    i % 400 = 300 has the phone '12345' (invalid: the mapping empties it and warns, OnInvalid = 'Null': 1 in 400),
    so 1 row in 200 is filtered or warned. Writes next to it messy.psd1: the 'cleanse' mapping of Write-BenchMapping with that
    filter and OnInvalid. Prints the rows a copy should land (the others are rejected or filtered).
.EXAMPLE
    dotnet pwsh ./bench/messy-csv.ps1 -Csv /tmp/contacts.csv -Path /tmp/messy/contacts.csv
    dotnet pwsh ./bench/sqlite-ab.ps1 -Manifest /tmp/base/0.1.0/CrmMigration.psd1, ./out/CrmMigration/0.1.0/CrmMigration.psd1 `
        -Csv /tmp/messy/contacts.csv -MappingPath /tmp/messy/messy.psd1 -Expect 995500
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Csv,
    # The messy file to write (its folder also gets messy.psd1); named contacts.csv so the mapping's Source finds it.
    [Parameter(Mandatory)] [string] $Path
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Path = [IO.Path]::GetFullPath($Path)
$folder = [IO.Path]::GetDirectoryName($Path)
$null = New-Item -ItemType Directory -Force $folder
$utf8 = [Text.UTF8Encoding]::new($false)
$reader = [IO.StreamReader]::new((Resolve-Path -LiteralPath $Csv).Path, $utf8, $false, 1 -shl 16)
$writer = [IO.StreamWriter]::new($Path, $false, $utf8, 1 -shl 16)
$rejected = 0; $filtered = 0; $warned = 0; $i = 0
try {
    $header = $reader.ReadLine()
    $writer.Write($header + "`n")
    $names = $header.Split(',')
    $email = [Array]::IndexOf($names, 'email'); $phone = [Array]::IndexOf($names, 'phone'); $status = [Array]::IndexOf($names, 'status')
    if ($email -lt 0 -or $phone -lt 0 -or $status -lt 0) { throw "$Csv is not a New-BenchContactCsv file (no email, phone or status column)." }
    while ($null -ne ($line = $reader.ReadLine())) {
        $i++
        if ($i % 500 -eq 250 -or $i % 400 -eq 100 -or $i % 400 -eq 300) {
            # The benchmark file has no quoted fields: a row splits on its commas.
            $cells = $line.Split(',')
            if ($i % 500 -eq 250) { $cells[$email] = 'not-an-address'; $rejected++ }
            elseif ($i % 400 -eq 100) { $cells[$status] = 'Deleted'; $filtered++ }
            else { $cells[$phone] = '12345'; $warned++ }
            $line = $cells -join ','
        }
        $writer.Write($line + "`n")
    }
}
finally {
    $writer.Dispose()
    $reader.Dispose()
}
Set-Content -LiteralPath (Join-Path $folder 'messy.psd1') -Encoding utf8 -Value @'
@{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'
    Where = @( @{ Field = 'status'; NotIn = 'Deleted'; Reason = 'DeletedInLegacy' } )
    Fields = [ordered]@{
    Id = 'contact_id'
    FirstName = @{ Source = 'first_name'; Transform = 'Trim', 'Title' }
    LastName = @{ Source = 'last_name'; Transform = 'Title' }
    Email = @{ Source = 'email'; Transform = 'Email' }
    Phone = @{ Source = 'phone'; Transform = 'Phone'; DefaultRegion = 'CN'; OnInvalid = 'Null' }
    City = @{ Source = 'city'; Transform = 'CollapseSpaces' }
    Country = @{ Source = 'country'; Transform = 'Upper' }
    Status = 'status'
    CreatedAt = @{ Source = 'created_at'; Transform = 'Date'; Format = 'yyyy-MM-dd' }
    Score = @{ Source = 'score'; Type = 'Integer' } } } } }
'@
[pscustomobject]@{ Rows = $i; Rejected = $rejected; Filtered = $filtered; Warned = $warned; Lands = $i - $rejected - $filtered; Csv = $Path; Mapping = (Join-Path $folder 'messy.psd1') }
